import { readFile } from "node:fs/promises";
import type { Address, Hex } from "viem";
import { type BlockRange, resolveBlockRange } from "../../chain/blockRange.ts";
import { type DatasetRegistration, readDatasetRegistrations } from "../../chain/readDatasetRegistrations.ts";
import { readParticipantInfo } from "../../chain/readParticipantInfo.ts";
import { participantStatusName, type ParticipantStatusName } from "../../chain/readParticipantStatus.ts";
import { checkDatasetProof, type DatasetProofCheck, type DatasetProofKind, parseDatasetProof } from "../../dataset/proofFile.ts";
import { FedLedgerError } from "../../errors/FedLedgerError.ts";
import { formatFields, formatTable } from "../format/formatTable.ts";
import { loadRecord } from "../loadRecord.ts";
import type { RecordSpec } from "../parseRecordSpec.ts";
import type { ChainDependencies } from "./status.ts";

export type VerifyProofOptions = {
  /** The proof file `fedledger prove` wrote. */
  file: string;
  participant: Address;
  /** The record itself, hashed here and compared with the proof's record hash. */
  record?: RecordSpec;
  /** Class names in class-index order, for a record with a text label. */
  classNames?: readonly string[];
  range?: BlockRange;
};

/** A check of the proof, or of the record against it. */
export type ProofCheck = { readonly name: DatasetProofCheck["name"] | "record"; readonly ok: boolean; readonly detail: string };

export type VerifyProofResult = {
  readonly file: string;
  readonly valid: boolean;
  readonly kind: DatasetProofKind;
  readonly participant: Address;
  readonly status: ParticipantStatusName;
  /** The participant's dataset commitment on the ledger, which the proof is checked against. */
  readonly registeredCommitment: Hex;
  readonly recordHash: Hex;
  /** Where the ledger was given the registered commitment; null when the scanned range does not hold it. */
  readonly registration: DatasetRegistration | null;
  readonly checks: readonly ProofCheck[];
  /** The block the registry was read at. */
  readonly blockNumber: bigint;
};

async function readProofFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new FedLedgerError("INVALID_CONFIG", `Cannot read the proof file ${file}`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new FedLedgerError("INVALID_PROOF", `The proof file ${file} is not JSON`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
}

/**
 * `fedledger verify-proof`: checks a dataset proof against the commitment `participant`
 * registered on the ledger (never the one the proof names), and, with `record`, that the
 * record hashes (here, locally) to the proof's record hash. The result lists every check;
 * {@link verifyProofFailure} says whether and why it failed. Throws NOT_REGISTERED for an
 * address the ledger never registered, INVALID_PROOF for a file that is not a proof.
 */
export async function verifyProofCommand(options: VerifyProofOptions, dependencies: ChainDependencies): Promise<VerifyProofResult> {
  const proof = parseDatasetProof(await readProofFile(options.file));
  const record = options.record === undefined ? undefined : await loadRecord(options.record, options.classNames === undefined ? {} : { classNames: options.classNames });
  const range = await resolveBlockRange(dependencies.reader, options.range);
  const [info, registrations] = await Promise.all([
    readParticipantInfo(dependencies.reader, options.participant, range.toBlock),
    readDatasetRegistrations(dependencies.reader, { ...options.range, toBlock: range.toBlock }, options.participant),
  ]);
  const status = participantStatusName(info.status);
  if (status === "none") {
    throw new FedLedgerError("NOT_REGISTERED", `${options.participant} is not registered on the ledger ${dependencies.reader.ledger}`, {
      details: "it has no dataset commitment to check the proof against",
    });
  }
  const commitment = info.datasetCommitment.toLowerCase() as Hex;
  const checks: ProofCheck[] = checkDatasetProof(proof, commitment);
  if (record !== undefined) {
    const ok = record.hash === proof.recordHash;
    checks.push({ name: "record", ok, detail: ok ? `${record.source} hashes to the proof's record hash` : `${record.source} hashes to ${record.hash}, not to the proof's ${proof.recordHash}` });
  }
  const registration = registrations.filter((r) => r.datasetCommitment.toLowerCase() === commitment).at(-1) ?? null;
  return {
    file: options.file,
    valid: checks.every((c) => c.ok),
    kind: proof.kind,
    participant: options.participant,
    status,
    registeredCommitment: commitment,
    recordHash: proof.recordHash,
    registration,
    checks,
    blockNumber: range.toBlock,
  };
}

/**
 * Why a verification failed, as the CLI reports it (exit 1): HASH_MISMATCH when the proof
 * holds but the given record is another one, INVALID_PROOF naming the first failed check
 * otherwise; undefined when every check passed.
 */
export function verifyProofFailure(result: VerifyProofResult): FedLedgerError | undefined {
  const failed = result.checks.filter((c) => !c.ok);
  const proofFailure = failed.find((c) => c.name !== "record");
  if (proofFailure !== undefined) {
    return new FedLedgerError("INVALID_PROOF", `The proof does not verify against ${result.participant}'s registered commitment: the ${proofFailure.name} check failed`, {
      details: proofFailure.detail,
    });
  }
  const recordFailure = failed[0];
  return recordFailure === undefined ? undefined : new FedLedgerError("HASH_MISMATCH", "The record is not the one the proof is about", { details: recordFailure.detail });
}

export function formatVerifyProof(result: VerifyProofResult): string {
  const where = result.registration === null ? "registration event not in the scanned blocks" : `${result.registration.event} in block ${result.registration.blockNumber}, tx ${result.registration.transactionHash}`;
  const attestation = result.registration?.attestationDigest ?? null;
  const header = formatFields([
    ["Proof", `${result.file} (${result.kind === "inclusion" ? "inclusion" : "exclusion"})`],
    ["Participant", `${result.participant} (${result.status})`],
    ["Commitment", `${result.registeredCommitment} (${where})`],
    ...(attestation === null ? [] : [["Attestation", attestation] as const]),
    ["Record hash", result.recordHash],
    ["As of block", String(result.blockNumber)],
  ]);
  const table = formatTable(
    ["Check", "Result", "Detail"],
    result.checks.map((c) => [c.name, c.ok ? "OK" : "FAILED", c.detail]),
    ["left", "left", "left"],
  );
  const verdict = result.valid
    ? `VALID: the record ${result.kind === "inclusion" ? "is in" : "is not in"} the dataset ${result.participant} registered.`
    : "INVALID: see the failed checks.";
  return [header, table, verdict].join("\n\n");
}
