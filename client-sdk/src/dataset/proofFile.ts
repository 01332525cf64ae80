import type { Hex } from "viem";
import { z } from "zod";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { bytes32Schema } from "../protocol/messages.ts";
import { canonicalBytes32 } from "./bytes32.ts";
import type { MerkleTree } from "./merkle.ts";
import { type InclusionProof, type NonInclusionProof, proveInclusion, proveNonInclusion, verifyInclusion, verifyNonInclusion } from "./proofs.ts";

/*
 * The file `fedledger prove` writes and `fedledger verify-proof` reads: a record's hash
 * (recordHash.ts) and its Merkle proof against a dataset commitment. It never holds the
 * record. An exclusion proof holds the record hashes of the record's two neighbours in
 * sorted order; an inclusion proof only leaf and inner node hashes.
 */

export const DATASET_PROOF_FORMAT = "fedledger-dataset-proof";
export const DATASET_PROOF_VERSION = 1;
export const DATASET_PROOF_KINDS = ["inclusion", "non-inclusion"] as const;
export type DatasetProofKind = (typeof DATASET_PROOF_KINDS)[number];

/** The envelope; the proof body is checked by proofs.ts when it is verified. */
const datasetProofSchema = z.strictObject({
  format: z.literal(DATASET_PROOF_FORMAT),
  version: z.literal(DATASET_PROOF_VERSION),
  kind: z.enum(DATASET_PROOF_KINDS),
  /** The root the prover built the proof against (informative: a verifier uses the registered one). */
  commitment: bytes32Schema,
  recordHash: bytes32Schema,
  proof: z.record(z.string(), z.unknown()),
});

export type DatasetProof =
  | { format: typeof DATASET_PROOF_FORMAT; version: typeof DATASET_PROOF_VERSION; kind: "inclusion"; commitment: Hex; recordHash: Hex; proof: InclusionProof }
  | { format: typeof DATASET_PROOF_FORMAT; version: typeof DATASET_PROOF_VERSION; kind: "non-inclusion"; commitment: Hex; recordHash: Hex; proof: NonInclusionProof };

/**
 * The proof that `recordHash` is (inclusion) or is not (non-inclusion) in `tree`. Throws
 * INVALID_PROOF when it is not, resp. is, in the tree (proofs.ts).
 */
export function createDatasetProof(tree: MerkleTree, kind: DatasetProofKind, recordHash: Hex): DatasetProof {
  const header = { format: DATASET_PROOF_FORMAT, version: DATASET_PROOF_VERSION, kind, commitment: tree.root, recordHash: canonicalBytes32(recordHash) } as const;
  return header.kind === "inclusion"
    ? { ...header, kind: header.kind, proof: proveInclusion(tree, recordHash) }
    : { ...header, kind: header.kind, proof: proveNonInclusion(tree, recordHash) };
}

/** Checks a proof file's envelope (its body is checked when verified). Throws INVALID_PROOF listing the problems. */
export function parseDatasetProof(input: unknown): DatasetProof {
  const parsed = datasetProofSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new FedLedgerError("INVALID_PROOF", `Not a ${DATASET_PROOF_FORMAT} version ${DATASET_PROOF_VERSION} file`, { details: problems.join("\n") });
  }
  const { format, version, kind, proof } = parsed.data;
  const header = { format, version, commitment: canonicalBytes32(parsed.data.commitment), recordHash: canonicalBytes32(parsed.data.recordHash) };
  return kind === "inclusion" ? { ...header, kind, proof: proof as InclusionProof } : { ...header, kind, proof: proof as NonInclusionProof };
}

/** One check of {@link checkDatasetProof}: `ok`, or why not. */
export type DatasetProofCheck = { readonly name: "commitment" | "record hash" | "merkle path"; readonly ok: boolean; readonly detail: string };

/**
 * Checks `proof` against `commitment` (the registered one, never the proof's own): the
 * proof names that commitment; the record hash is the one the Merkle proof is about; the
 * Merkle proof leads to `commitment`. Throws INVALID_PROOF for a malformed proof body.
 */
export function checkDatasetProof(proof: DatasetProof, commitment: Hex): DatasetProofCheck[] {
  const root = canonicalBytes32(commitment);
  const about = proof.kind === "inclusion" ? proof.proof.leaf : proof.proof.recordHash;
  const sameRecord = typeof about === "string" && about.toLowerCase() === proof.recordHash;
  const path = proof.kind === "inclusion" ? verifyInclusion(root, proof.proof) : verifyNonInclusion(root, proof.proof);
  const what = proof.kind === "inclusion" ? "is in" : "is not in";
  return [
    {
      name: "commitment",
      ok: proof.commitment === root,
      detail: proof.commitment === root ? `the proof is against ${root}` : `the proof was made against ${proof.commitment}, not ${root}`,
    },
    {
      name: "record hash",
      ok: sameRecord,
      detail: sameRecord ? `the Merkle proof is about ${proof.recordHash}` : `the Merkle proof is about ${String(about)}, not the record hash ${proof.recordHash}`,
    },
    {
      name: "merkle path",
      ok: path,
      detail: path ? `the record ${what} the set of ${proof.proof.leafCount} records` : `the Merkle proof does not lead to ${root}`,
    },
  ];
}
