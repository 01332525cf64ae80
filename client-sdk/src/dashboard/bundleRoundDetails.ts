import type { Hex } from "viem";
import type { AuditBundle, BundledRound } from "../audit/auditBundle.ts";
import { decodeRoundStatement, type RoundStatement, roundStatementDigest } from "../provenance/roundStatement.ts";
import { ROUND_DETAILS_LIMITS, type RoundDetails, type RoundDetailsSource, type RoundRefusal } from "./roundDetails.ts";

/** The round's signed statement, when the bundle holds one whose bytes have the digest it says the ledger records; else undefined. */
function statementOf(round: BundledRound): RoundStatement | undefined {
  if (round.statement === null) return undefined;
  try {
    const bytes = Buffer.from(round.statement.payload, "base64");
    return roundStatementDigest(bytes) === round.statementDigest.toLowerCase() ? decodeRoundStatement(bytes) : undefined;
  } catch {
    return undefined;
  }
}

/** The statement's refused updates, then its refused submissions one per count, up to the dashboard's limit. */
function refusalsOf(statement: RoundStatement): RoundRefusal[] {
  const { updates, submissions } = statement.predicate.refused;
  const refusals: RoundRefusal[] = updates.map((u) => ({ participant: u.participant, reason: u.reason }));
  for (const s of submissions) {
    const room = ROUND_DETAILS_LIMITS.refusals - refusals.length;
    if (room <= 0) break;
    for (let i = 0; i < Math.min(s.count, room); i++) refusals.push({ participant: s.participant, reason: s.reason });
  }
  return refusals;
}

function details(round: BundledRound): RoundDetails {
  const statement = statementOf(round);
  if (statement === undefined) return { aggregateModelHash: round.aggregateModelHash, metrics: round.metrics, refusals: null };
  const signed = statement.predicate.validation.metrics;
  return {
    aggregateModelHash: `0x${statement.subject[0].digest.sha256}` as Hex,
    statementDigest: round.statementDigest,
    // The signed metrics win over the ones the coordinator's database kept.
    metrics: signed === null ? round.metrics : { ...round.metrics, ...signed },
    refusals: refusalsOf(statement),
  };
}

/**
 * Round details from an audit bundle (`fedledger-operator export-audit`). From each round's
 * signed statement when the bundle holds it: the evaluation metrics (with any others the
 * coordinator kept), and the refusals (the
 * updates left out of the round and the submissions refused before an ack, each with its
 * reason); the dashboard shows them only when the chain records that statement's digest and
 * aggregate. A round without its statement shows the metrics the coordinator kept, and no
 * refusals.
 */
export function bundleRoundDetails(bundle: AuditBundle, description = "audit bundle"): RoundDetailsSource {
  const byRound = new Map<number, RoundDetails>(bundle.rounds.map((r) => [r.round, details(r)]));
  return {
    description,
    read: async (rounds) => new Map(rounds.flatMap((round) => (byRound.has(round) ? [[round, byRound.get(round) as RoundDetails] as const] : []))),
  };
}
