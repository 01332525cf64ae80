import { type Address, getAddress, type Hex } from "viem";
import type { BlockRange } from "../chain/blockRange.ts";
import type { LedgerReader } from "../chain/ledgerClients.ts";
import { readDatasetRegistrations } from "../chain/readDatasetRegistrations.ts";
import { checkDatasetProof, type DatasetProofKind, parseDatasetProof } from "../dataset/proofFile.ts";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import type { AuditCheck } from "./auditRound.ts";

/** A dataset proof as a bundle carries it: the participant whose registered commitment it is checked against, and the `fedledger prove` file's JSON. */
export type BundledProof = { readonly participant: Address; readonly proof: Readonly<Record<string, unknown>> };

export type ProofAudit = {
  readonly participant: Address;
  /** Null when the bundled proof is not a proof file. */
  readonly kind: DatasetProofKind | null;
  readonly recordHash: Hex | null;
  /** The registered commitment the proof was checked against; null when the participant never registered the one it names. */
  readonly commitment: Hex | null;
  readonly check: AuditCheck;
};

/**
 * Each bundled dataset proof checked against the chain, as `fedledger verify-proof` checks
 * one: against a commitment the participant registered (at registration or a later update;
 * the one the proof names must be among them), never the proof's own word. Throws CHAIN_ERROR.
 */
export async function auditProofs(reader: LedgerReader, proofs: readonly BundledProof[], range: BlockRange = {}): Promise<ProofAudit[]> {
  const audits: ProofAudit[] = [];
  for (const bundled of proofs) {
    const participant = getAddress(bundled.participant);
    let proof;
    try {
      proof = parseDatasetProof(bundled.proof);
    } catch (error) {
      if (!isFedLedgerError(error)) throw error;
      audits.push({ participant, kind: null, recordHash: null, commitment: null, check: { status: "error", code: error.code, message: `${error.shortMessage}${error.details ? ` (${error.details})` : ""}` } });
      continue;
    }
    const registered = await readDatasetRegistrations(reader, range, participant);
    const commitment = registered.find((r) => r.datasetCommitment.toLowerCase() === proof.commitment)?.datasetCommitment.toLowerCase() as Hex | undefined;
    const head = { participant, kind: proof.kind, recordHash: proof.recordHash };
    if (commitment === undefined) {
      const known = registered.map((r) => r.datasetCommitment).join(", ") || "none";
      audits.push({ ...head, commitment: null, check: { status: "mismatch", code: "INVALID_PROOF", message: `${participant} never registered the commitment ${proof.commitment} the proof is against (registered: ${known})` } });
      continue;
    }
    let check: AuditCheck;
    try {
      const bad = checkDatasetProof(proof, commitment).find((c) => !c.ok);
      check = bad === undefined ? { status: "ok" } : { status: "mismatch", code: "INVALID_PROOF", message: `${participant}'s proof: the ${bad.name} check failed: ${bad.detail}` };
    } catch (error) {
      if (!isFedLedgerError(error)) throw error;
      check = { status: "error", code: error.code, message: `${error.shortMessage}${error.details ? ` (${error.details})` : ""}` };
    }
    audits.push({ ...head, commitment, check });
  }
  return audits;
}
