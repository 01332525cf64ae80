import type { Hex } from "viem";
import type { Dataset } from "../../data/Dataset.ts";
import { buildMerkleTree } from "../../dataset/merkle.ts";
import { datasetRecordHashes } from "../../dataset/recordHash.ts";
import { formatFields } from "../format/formatTable.ts";
import { loadDatasetSpec } from "../loadDatasetSpec.ts";
import { type DatasetSpec, describeDatasetSpec } from "../parseDatasetSpec.ts";

export type FingerprintOptions = { dataset: DatasetSpec };
export type FingerprintDependencies = { loadDataset?: (spec: DatasetSpec) => Promise<Dataset> };

export type FingerprintResult = {
  readonly dataset: string;
  /** The dataset commitment to register on-chain (`datasetFingerprint`). */
  readonly commitment: Hex;
  /** Samples loaded. */
  readonly records: number;
  /** Distinct records: the commitment covers the set of records, so duplicates count once. */
  readonly uniqueRecords: number;
  readonly featureShape: readonly number[];
  readonly numClasses: number;
};

/** Loads the dataset and computes its commitment: the Merkle root over its record hashes. */
export async function fingerprintCommand(
  options: FingerprintOptions,
  dependencies: FingerprintDependencies = {},
): Promise<FingerprintResult> {
  const dataset = await (dependencies.loadDataset ?? loadDatasetSpec)(options.dataset);
  const tree = buildMerkleTree(datasetRecordHashes(dataset));
  return {
    dataset: describeDatasetSpec(options.dataset),
    commitment: tree.root,
    records: dataset.numSamples,
    uniqueRecords: tree.leafCount,
    featureShape: dataset.featureShape,
    numClasses: dataset.numClasses,
  };
}

export function formatFingerprint(result: FingerprintResult): string {
  return formatFields([
    ["Dataset", result.dataset],
    ["Commitment", result.commitment],
    ["Records", result.uniqueRecords === result.records ? String(result.records) : `${result.records} (${result.uniqueRecords} distinct)`],
    ["Features", `[${result.featureShape.join(", ")}], ${result.numClasses} classes`],
  ]);
}
