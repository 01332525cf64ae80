import { type Address, type Hex, isAddressEqual } from "viem";
import type { AuditCheck } from "../audit/auditRound.ts";
import type { RecordedRound } from "../chain/readRecordedRounds.ts";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { sha256Hex } from "./canonicalJson.ts";
import { type DsseEnvelope, type VerifiedEnvelope, verifyStatementEnvelope } from "./dsseEnvelope.ts";
import type { EventLogVerification } from "./eventLog.ts";
import type { RoundStatement } from "./roundStatement.ts";

/** Whether the statement's signer could sign for the ledger's coordinator then: ok with how that was established, or why not. */
export type SignerAuthority = { readonly ok: true; readonly basis: string } | { readonly ok: false; readonly message: string };

export type StatementCheckParameters = {
  /** The round as the ledger recorded it, with the statement digest it holds. */
  round: RecordedRound & { readonly statementDigest: Hex };
  chainId: number;
  ledger: Address;
  /** The round's envelope, as the store or bundle holds it; undefined when it holds none. */
  envelope: DsseEnvelope | undefined;
  /** Asks the chain whether the signer held the coordinator role when the round was recorded. */
  authority: (signer: Address) => Promise<SignerAuthority>;
};

export type StatementCheck = {
  readonly check: AuditCheck;
  /** The verified statement, when its signature and form hold (even if it then differs from the chain). */
  readonly verified: VerifiedEnvelope | undefined;
};

const mismatch = (message: string): AuditCheck => ({ status: "mismatch", code: "AUDIT_MISMATCH", message });
const sameHash = (a: Hex, b: Hex) => a.toLowerCase() === b.toLowerCase();

/** The first difference between what the statement says and what the ledger recorded, if any. */
function differences(statement: RoundStatement, p: StatementCheckParameters): string | undefined {
  const { predicate } = statement;
  const { round } = p;
  if (predicate.chainId !== p.chainId || !isAddressEqual(predicate.ledger, p.ledger)) return `the statement is for ledger ${predicate.ledger} on chain ${predicate.chainId}`;
  if (BigInt(predicate.round) !== round.round) return `the statement is for round ${predicate.round}`;
  const subject = sha256Hex(statement.subject[0].digest.sha256);
  if (!sameHash(subject, round.aggregateModelHash)) return `its subject is model ${subject}, the chain records ${round.aggregateModelHash}`;
  const base = sha256Hex(predicate.baseModel.sha256);
  if (!sameHash(base, round.baseModelHash)) return `its base model is ${base}, the chain records ${round.baseModelHash}`;
  if (predicate.updates.length !== round.updates.length) return `it lists ${predicate.updates.length} accepted update(s), the chain records ${round.updates.length}`;
  for (const [i, u] of predicate.updates.entries()) {
    const onChain = round.updates[i];
    if (!onChain) continue;
    const same =
      isAddressEqual(u.participant, onChain.participant) &&
      sameHash(sha256Hex(u.digest.sha256), onChain.updateHash) &&
      BigInt(u.numSamples) === onChain.numSamples &&
      BigInt(u.score) === onChain.score;
    if (!same) return `accepted update ${i + 1} (${u.participant}) differs from the chain's UpdateRecorded event (${onChain.participant}, ${onChain.updateHash}, ${onChain.numSamples} samples, score ${onChain.score})`;
  }
  return undefined;
}

/**
 * Checks one round's statement against the chain: the envelope is there, its signature
 * recovers to the address it names and that address could sign for the coordinator
 * (`authority`), the digest of its payload is the one the ledger recorded, and what it
 * says matches the round's record: chain, ledger, round, subject (the aggregate), base
 * model, and the accepted updates (participant, digest, samples, score) in recorded order.
 */
export async function checkRoundStatement(p: StatementCheckParameters): Promise<StatementCheck> {
  if (p.envelope === undefined) {
    return { check: { status: "error", code: "OBJECT_NOT_FOUND", message: `no signed statement with the recorded digest ${p.round.statementDigest}` }, verified: undefined };
  }
  let verified: VerifiedEnvelope;
  try {
    verified = await verifyStatementEnvelope(p.envelope);
  } catch (error) {
    if (!isFedLedgerError(error)) throw error;
    return { check: { status: "error", code: error.code, message: `${error.shortMessage}${error.details ? ` (${error.details})` : ""}` }, verified: undefined };
  }
  if (!sameHash(verified.statementDigest, p.round.statementDigest)) {
    return { check: mismatch(`the statement's digest is ${verified.statementDigest}, the chain records ${p.round.statementDigest}`), verified };
  }
  const authority = await p.authority(verified.signer);
  if (!authority.ok) return { check: { status: "error", code: "MISSING_ROLE", message: authority.message }, verified };
  const differs = differences(verified.statement, p);
  return { check: differs === undefined ? { status: "ok" } : mismatch(differs), verified };
}

/**
 * Checks that the event log holds, at the seq a statement names, the entry whose hash the
 * statement carries: the log up to there is the one the coordinator had when it signed.
 */
export function checkLogAnchor(statement: RoundStatement | undefined, log: EventLogVerification | undefined): AuditCheck {
  if (statement === undefined) return { status: "error", code: "OBJECT_NOT_FOUND", message: "no verified statement to take the log's anchor from" };
  if (log === undefined) return { status: "error", code: "OBJECT_NOT_FOUND", message: "no event log to check the statement's anchor in" };
  const { seq, sha256 } = statement.predicate.eventLog;
  const corrupt = (message: string): AuditCheck => ({ status: "mismatch", code: "EVENT_LOG_CORRUPT", message });
  if (seq === 0) return corrupt("the statement anchors an empty log");
  const entry = log.entries[seq - 1];
  if (entry === undefined) {
    return corrupt(
      log.problem !== undefined
        ? `the log fails verification before entry ${seq}, which the statement anchors: ${log.problem.message}`
        : `the log ends at entry ${log.head.seq}, before entry ${seq}, which the statement anchors: entries were dropped`,
    );
  }
  if (entry.hash !== sha256Hex(sha256)) return corrupt(`entry ${seq} hashes to ${entry.hash}, the statement anchors ${sha256Hex(sha256)}: the log was rewritten`);
  return { status: "ok" };
}
