import type { Hex } from "viem";
import type { Dataset } from "../../data/Dataset.ts";
import { buildMerkleTree } from "../../dataset/merkle.ts";
import { datasetRecordHashes } from "../../dataset/recordHash.ts";
import { formatFields } from "../format/formatTable.ts";
import { loadDatasetSpec } from "../loadDatasetSpec.ts";
import { type DatasetSpec, describeDatasetSpec } from "../parseDatasetSpec.ts";
import { type AttestationOptions, describeAttestation, resolveAttestation } from "../resolveAttestation.ts";

export type FingerprintOptions = { dataset: DatasetSpec } & AttestationOptions;
export type FingerprintDependencies = { loadDataset?: (spec: DatasetSpec) => Promise<Dataset> };

export type FingerprintResult = {
  readonly dataset: string;
  /** The dataset commitment to register on-chain (`datasetFingerprint`). */
  readonly commitment: Hex;
  /**
   * The dataset size to register with the commitment: its distinct records, the Merkle leaf
   * count the commitment binds (duplicates count once). No update may declare more samples.
   */
  readonly datasetSize: number;
  /** Samples loaded, duplicates included. */
  readonly records: number;
  readonly featureShape: readonly number[];
  readonly numClasses: number;
  /**
   * The attestation digest to register with the commitment: the SHA-256 of the consent or
   * licence document (`--attestation`), which stays with the institution. Zero: none declared.
   */
  readonly attestationDigest: Hex;
};

/** Loads the dataset and computes its commitment (the Merkle root over its record hashes), its size and the attestation digest. */
export async function fingerprintCommand(
  options: FingerprintOptions,
  dependencies: FingerprintDependencies = {},
): Promise<FingerprintResult> {
  const attestationDigest = await resolveAttestation(options);
  const dataset = await (dependencies.loadDataset ?? loadDatasetSpec)(options.dataset);
  const tree = buildMerkleTree(datasetRecordHashes(dataset));
  return {
    dataset: describeDatasetSpec(options.dataset),
    commitment: tree.root,
    datasetSize: tree.leafCount,
    records: dataset.numSamples,
    featureShape: dataset.featureShape,
    numClasses: dataset.numClasses,
    attestationDigest,
  };
}

export function formatFingerprint(result: FingerprintResult): string {
  return formatFields([
    ["Dataset", result.dataset],
    ["Commitment", result.commitment],
    ["Dataset size", result.datasetSize === result.records ? String(result.datasetSize) : `${result.datasetSize} (distinct records of ${result.records} loaded)`],
    ["Features", `[${result.featureShape.join(", ")}], ${result.numClasses} classes`],
    ["Attestation", describeAttestation(result.attestationDigest)],
  ]);
}
