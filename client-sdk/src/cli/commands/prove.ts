import type { Dataset } from "../../data/Dataset.ts";
import { featureSize } from "../../data/Dataset.ts";
import { buildMerkleTree } from "../../dataset/merkle.ts";
import { createDatasetProof, type DatasetProof, type DatasetProofKind } from "../../dataset/proofFile.ts";
import { datasetRecordHashes } from "../../dataset/recordHash.ts";
import { FedLedgerError, isFedLedgerError } from "../../errors/FedLedgerError.ts";
import { writeFileAtomically } from "../../modelFiles/writeFileAtomically.ts";
import { formatFields } from "../format/formatTable.ts";
import { toJson } from "../format/toJson.ts";
import { loadDatasetSpec } from "../loadDatasetSpec.ts";
import { loadRecord } from "../loadRecord.ts";
import { type DatasetSpec, describeDatasetSpec } from "../parseDatasetSpec.ts";
import type { RecordSpec } from "../parseRecordSpec.ts";

export type ProveOptions = {
  kind: DatasetProofKind;
  record: RecordSpec;
  dataset: DatasetSpec;
  /** Write the proof here (atomically) instead of returning it for stdout. */
  out?: string;
};
export type ProveDependencies = { loadDataset?: (spec: DatasetSpec) => Promise<Dataset> };

export type ProveResult = {
  readonly proof: DatasetProof;
  /** Where the record came from (never the record itself). */
  readonly record: string;
  readonly dataset: string;
  /** The file written, when --out was given. */
  readonly out: string | null;
};

/**
 * `fedledger prove include|exclude RECORD --dataset SPEC`: the record's hash and its Merkle
 * proof of inclusion in (or absence from) the dataset's commitment, as `fingerprint`
 * computes it. Throws INVALID_PROOF when the record is not in the dataset (include) or is
 * (exclude); INVALID_DATASET for a record whose feature count differs from the dataset's.
 */
export async function proveCommand(options: ProveOptions, dependencies: ProveDependencies = {}): Promise<ProveResult> {
  const spec = describeDatasetSpec(options.dataset);
  const data = await (dependencies.loadDataset ?? loadDatasetSpec)(options.dataset);
  const record = await loadRecord(options.record, { dataset: { data, spec } });
  const size = featureSize(data.featureShape);
  if (record.featureCount !== size) {
    // Such a record is trivially absent: an exclusion proof of it would prove nothing.
    throw new FedLedgerError("INVALID_DATASET", `${record.source} has ${record.featureCount} features; the records of ${spec} have ${size}`);
  }
  const tree = buildMerkleTree(datasetRecordHashes(data));
  let proof: DatasetProof;
  try {
    proof = createDatasetProof(tree, options.kind, record.hash);
  } catch (error) {
    if (!isFedLedgerError(error, "INVALID_PROOF")) throw error;
    const message =
      options.kind === "inclusion"
        ? `${record.source} is not in ${spec}: there is no inclusion proof (\`prove exclude\` proves its absence)`
        : `${record.source} is in ${spec}: there is no exclusion proof (\`prove include\` proves it is there)`;
    throw new FedLedgerError("INVALID_PROOF", message, { details: `record hash ${record.hash}, dataset commitment ${tree.root}`, cause: error });
  }
  if (options.out !== undefined) await writeFileAtomically(options.out, `${toJson(proof)}\n`);
  return { proof, record: record.source, dataset: spec, out: options.out ?? null };
}

/** Without --out, the proof itself; with it, what was written. */
export function formatProve(result: ProveResult): string {
  if (result.out === null) return toJson(result.proof);
  const { proof } = result;
  return formatFields([
    ["Wrote", result.out],
    ["Proof", `${proof.kind === "inclusion" ? "inclusion in" : "absence from"} a set of ${proof.proof.leafCount} records`],
    ["Record", `${result.record}, hash ${proof.recordHash}`],
    ["Commitment", `${proof.commitment} (${result.dataset})`],
  ]);
}

