import type { Hex } from "viem";
import type { RecordedRound } from "../chain/readRecordedRounds.ts";
import type { ErrorCode } from "../errors/codes.ts";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { layerLayout, type ModelSpec } from "../training/modelSpec.ts";
import type { TrainingData } from "../training/trainingData.ts";
import type { Auditable } from "./auditMethods.ts";
import type { ScoringMethod } from "./contributionScores.ts";
import { type ClipBound, rederiveAggregate } from "./rederiveAggregate.ts";
import { rederiveScores } from "./rederiveScores.ts";

/** One check of a round: passed, or why not (a typed code and a message). */
export type AuditCheck =
  | { readonly status: "ok" }
  /** Re-derived, and it differs from the chain (AUDIT_MISMATCH). */
  | { readonly status: "mismatch"; readonly code: ErrorCode; readonly message: string }
  /** Not re-derivable from this material: a missing or corrupt object, unusable data. */
  | { readonly status: "error"; readonly code: ErrorCode; readonly message: string }
  /** A strategy or scorer the audit does not implement (AUDIT_UNSUPPORTED): neither passed nor failed. */
  | { readonly status: "unsupported"; readonly code: ErrorCode; readonly message: string };

export type RoundAudit = {
  readonly round: number;
  readonly baseModelHash: Hex;
  readonly aggregateModelHash: Hex;
  readonly transactionHash: Hex;
  readonly updates: number;
  readonly aggregate: AuditCheck;
  readonly scores: AuditCheck;
};

export type AuditRoundParameters = {
  round: RecordedRound;
  spec: ModelSpec;
  aggregation: Auditable<{ clip?: ClipBound }>;
  scoring: Auditable<ScoringMethod>;
  /** Needed by every scorer but `samples`. */
  evaluationData?: TrainingData | undefined;
  /** An object's bytes by hash; throws OBJECT_NOT_FOUND or HASH_MISMATCH. */
  fetch: (hash: Hex) => Promise<Uint8Array>;
};

/** The check `run` makes; a FedLedgerError it throws becomes an `error` check with its code. */
export async function checked(run: () => Promise<AuditCheck>): Promise<AuditCheck> {
  try {
    return await run();
  } catch (error) {
    if (!isFedLedgerError(error)) throw error;
    return { status: "error", code: error.code, message: `${error.shortMessage}${error.details ? ` (${error.details})` : ""}` };
  }
}

/**
 * Re-derives one recorded round's aggregate (rederiveAggregate) and scores
 * (rederiveScores) from its base model and updates, and compares them with what the
 * ledger recorded. Never throws for what the material lacks: each check says it.
 */
export async function auditRound(p: AuditRoundParameters): Promise<RoundAudit> {
  const { round } = p;
  const updates = round.updates.map((u) => ({ participant: u.participant, updateHash: u.updateHash, numSamples: u.numSamples }));
  const aggregation = p.aggregation;
  const aggregate = aggregation.ok
    ? await checked(async () => {
        const derived = await rederiveAggregate({ layout: layerLayout(p.spec), baseModelHash: round.baseModelHash, updates, fetch: p.fetch, ...aggregation.value });
        if (derived.aggregateModelHash === round.aggregateModelHash.toLowerCase()) return { status: "ok" };
        return { status: "mismatch", code: "AUDIT_MISMATCH", message: `re-derived aggregate ${derived.aggregateModelHash}, the chain records ${round.aggregateModelHash}` };
      })
    : ({ status: "unsupported", code: "AUDIT_UNSUPPORTED", message: aggregation.reason } as const);

  const scoring = p.scoring;
  const scores = scoring.ok
    ? await checked(async () => {
        const derived = await rederiveScores({
          spec: p.spec,
          evaluationData: p.evaluationData,
          scorer: scoring.value,
          baseModelHash: round.baseModelHash,
          updates,
          fetch: p.fetch,
        });
        const differing = round.updates.filter((u, i) => derived[i] !== u.score);
        if (differing.length === 0) return { status: "ok" };
        const shown = differing.slice(0, 3).map((u) => `${u.participant}: chain ${u.score}, re-derived ${derived[round.updates.indexOf(u)]}`);
        return { status: "mismatch", code: "AUDIT_MISMATCH", message: `${differing.length} of ${round.updates.length} scores differ: ${shown.join("; ")}${differing.length > 3 ? "; …" : ""}` };
      })
    : ({ status: "unsupported", code: "AUDIT_UNSUPPORTED", message: scoring.reason } as const);

  return {
    round: Number(round.round),
    baseModelHash: round.baseModelHash,
    aggregateModelHash: round.aggregateModelHash,
    transactionHash: round.transactionHash,
    updates: round.updates.length,
    aggregate,
    scores,
  };
}
