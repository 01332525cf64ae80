import { performance } from "node:perf_hooks";
import type { Address, Hex } from "viem";
import { contentHash, decodeWeights, encodeWeights, isFedLedgerError, toCompactSignature, type Weights } from "@fedledger/client-sdk";
import { describeRoundRefusal, type LedgerRefusal, ledgerRefusal, updateRefusalCode } from "../ledger/ledgerRefusal.ts";
import { recordRound } from "../ledger/recordRound.ts";
import { retryDelay } from "../ledger/withRetry.ts";
import { signRoundStatement } from "../provenance/signRoundStatement.ts";
import type { UpdateRow } from "../stores/stateStore.ts";
import type { AggregateFitResult, FitResult } from "../strategies/Strategy.ts";
import { abortableDelay } from "./abortableDelay.ts";
import { evaluateModel, lossProblem } from "./checkLoss.ts";
import type { EngineContext } from "./engineContext.ts";
import { scoreRound } from "./scoreRound.ts";
import { farthestUpdate } from "./updateDistances.ts";

export type FinishedRound = {
  round: number;
  aggregateModelHash: Hex;
  /** The digest of the round's signed statement, as recorded on-chain. */
  statementDigest: Hex;
  global: Weights;
  txHash: Hex;
  gasUsed: bigint;
  metrics: Record<string, number>;
  scores: ReadonlyMap<Address, bigint>;
};

export type FinishRoundParameters = {
  round: number;
  baseModelHash: Hex;
  global: Weights;
  /** The round's checked updates (see dropUnrecordable), in canonical order. */
  updates: readonly UpdateRow[];
  /** Loss of `global` on the coordinator's evaluation data; undefined without it. */
  previousLoss: number | undefined;
  signal?: AbortSignal;
  /** Called on every refused record, before the refusal is handled. */
  onRecordRefused?: (round: number, refusal: LedgerRefusal) => void;
};

/** Recorded; aborted (nothing recorded, the round is retried); or stopped by `signal` (state kept for a restart). */
export type FinishOutcome =
  | { status: "recorded"; finished: FinishedRound }
  | { status: "aborted"; reason: string; accepted: number }
  | { status: "stopped" };

type Candidate = {
  aggregate: Weights;
  aggregateModelHash: Hex;
  metrics: Record<string, number>;
  scores: ReadonlyMap<Address, bigint>;
  /** The updates it aggregates (the safety net may have left some out). */
  updates: UpdateRow[];
  /** Its signed statement's digest, stored with it (see signRoundStatement). */
  statementDigest: Hex;
};

/**
 * Flower's "aggregate" and "evaluate", then the ledger record.
 *
 * The candidate aggregate is checked before it is stored: if it is not finite, or its
 * loss on the evaluation data rose too much (see checkLoss), the outlying update is left
 * out and the rest aggregated again, while a quorum remains. The aggregate, its hash,
 * the scores, the evaluation and the round's signed statement are stored before the
 * transaction is sent, so a restart re-sends the same record, statement digest included,
 * instead of aggregating again.
 *
 * If the ledger refuses one update (a per-update custom error names its index), that
 * update is left out, which invalidates the stored aggregate, and the rest is aggregated
 * and recorded: a refused record is never sent again unchanged. A round-level refusal
 * (paused, budget not funded) is waited out with backoff, one log line per refusal.
 */
export async function finishRound(ctx: EngineContext, p: FinishRoundParameters): Promise<FinishOutcome> {
  let updates = [...p.updates];
  let candidate: Candidate | undefined;
  for (let refusals = 0; ; ) {
    if (p.signal?.aborted) return { status: "stopped" };
    if (updates.length < ctx.settings.minFitClients) {
      return { status: "aborted", reason: `quorum not met: ${updates.length} of ${ctx.settings.minFitClients} updates`, accepted: updates.length };
    }
    if (!candidate) {
      const next = (await storedCandidate(ctx, p, updates)) ?? (await aggregateChecked(ctx, p, updates));
      if ("problem" in next) return { status: "aborted", reason: next.problem, accepted: updates.length };
      candidate = next;
      updates = next.updates;
    }
    try {
      return { status: "recorded", finished: await record(ctx, p, candidate) };
    } catch (error) {
      const refusal = ledgerRefusal(error);
      if (!refusal) throw error;
      p.onRecordRefused?.(p.round, refusal);
      const refused = refusal.updateIndex === undefined ? undefined : updates[refusal.updateIndex];
      if (refused) {
        const reason = updateRefusalCode(refusal);
        ctx.state.excludeUpdate(p.round, refused.participant, reason);
        ctx.metrics.updatesRefused.inc({ reason });
        ctx.logger.warn(
          { round: p.round, participant: refused.participant, refusal: refusal.errorName, reason },
          "the ledger refused an update: recording the round without it",
        );
        updates = updates.filter((u) => u !== refused);
        candidate = undefined;
        continue;
      }
      refusals += 1;
      const delayMs = retryDelay(refusals, ctx.ledger.retry);
      const why = await describeRoundRefusal(refusal, { publicClient: ctx.publicClient, ledger: ctx.ledgerAddress });
      ctx.logger.error({ round: p.round, refusal: refusal.errorName, attempt: refusals, retryInMs: delayMs }, `the ledger refused round ${p.round}: ${why}`);
      await abortableDelay(delayMs, p.signal);
    }
  }
}

/**
 * The aggregate stored before a restart, when it is still for exactly these updates
 * (excluding an update invalidates it, see StateStore.excludeUpdate) and its signed
 * statement is still in the content store.
 */
async function storedCandidate(ctx: EngineContext, p: FinishRoundParameters, updates: UpdateRow[]): Promise<Candidate | undefined> {
  const row = ctx.state.getRound(p.round);
  if (row?.status !== "aggregated" || !row.aggregateModelHash || row.baseModelHash !== p.baseModelHash) return undefined;
  if (!row.statementDigest || !row.statementEnvelope || !(await ctx.content.has(row.statementEnvelope))) return undefined;
  const stored = new Map(ctx.state.listUpdates(p.round).map((u) => [u.participant, u.score]));
  const scores = new Map<Address, bigint>();
  for (const u of updates) {
    const score = stored.get(u.participant);
    if (score === null || score === undefined) return undefined;
    scores.set(u.participant, score);
  }
  ctx.logger.info({ round: p.round }, "resuming an aggregated round: recording it");
  return {
    aggregate: decodeWeights(await ctx.content.get(row.aggregateModelHash), ctx.settings.layout).weights,
    aggregateModelHash: row.aggregateModelHash,
    metrics: row.metrics ?? {},
    scores,
    updates,
    statementDigest: row.statementDigest,
  };
}

/** Aggregates, evaluates and scores `updates`, leaving out outliers while the candidate fails the safety net. */
async function aggregateChecked(ctx: EngineContext, p: FinishRoundParameters, updates: UpdateRow[]): Promise<Candidate | { problem: string }> {
  let kept = updates;
  for (;;) {
    // The norm computed at ack spares the strategies a pass over every update.
    const results = kept.map((u) => ({ participant: u.participant, numSamples: u.numSamples, updateHash: u.updateHash, norm: u.norm }));
    const started = performance.now();
    const aggregated = await aggregateUpdates(ctx, p, results);
    const aggregate = aggregated?.weights;
    // Updates the strategy rejected earn nothing: scored and recorded without them.
    const rejected = new Map(aggregated?.rejected.map((r) => [r.participant.toLowerCase(), r.reason]));
    const accepted = kept.filter((u) => !rejected.has(u.participant.toLowerCase()));
    const aggregationSeconds = (performance.now() - started) / 1000;
    const evaluation = aggregate ? await evaluateModel(ctx.strategy, p.round, aggregate) : undefined;
    const problem = aggregate ? lossProblem(evaluation, p.previousLoss, ctx.safety.maxLossIncrease) : "the aggregate is not finite";
    if (aggregate && !problem) {
      const scored = results.filter((r) => !rejected.has(r.participant.toLowerCase()));
      const scores = await scoreRound(ctx, { round: p.round, baseModelHash: p.baseModelHash, global: p.global, aggregate, results: scored });
      if (!scores) return { problem: "every contribution score is zero (the ledger refuses such a round)" };
      const encoded = encodeWeights(aggregate, ctx.settings.layout, "f32");
      const aggregateModelHash = await contentHash(encoded);
      await ctx.content.put(encoded);
      const metrics = { aggregationSeconds, ...(evaluation ? { loss: evaluation.loss, accuracy: evaluation.accuracy } : {}) };
      leaveOutRejected(ctx, p.round, kept, rejected);
      ctx.eventLog.append("round.aggregated", {
        round: p.round,
        aggregateModelHash,
        accepted: accepted.map((u) => ({ participant: u.participant, updateHash: u.updateHash })),
        leftOut: ctx.state.listExcluded(p.round).map((u) => ({ participant: u.participant, updateHash: u.updateHash, reason: u.excluded ?? "INTERNAL" })),
      });
      const statement = await signRoundStatement(ctx, { round: p.round, baseModelHash: p.baseModelHash, aggregateModelHash, updates: accepted, scores, metrics });
      ctx.state.setAggregated(p.round, aggregateModelHash, metrics, scores, statement);
      ctx.metrics.aggregationSeconds.observe(aggregationSeconds);
      if (evaluation) ctx.metrics.testAccuracy.set(evaluation.accuracy);
      ctx.logger.info({ round: p.round, aggregateModelHash, statementDigest: statement.statementDigest, ...metrics }, "round aggregated");
      return { aggregate, aggregateModelHash, metrics, scores, updates: accepted, statementDigest: statement.statementDigest };
    }
    if (kept.length <= ctx.settings.minFitClients) {
      return { problem: `${problem ?? "the aggregate failed validation"}, and leaving out an update would lose the quorum` };
    }
    const index = await farthestUpdate(ctx.updates, kept);
    const outlier = kept[index] as UpdateRow;
    ctx.state.excludeUpdate(p.round, outlier.participant, "VALIDATION_FAILED");
    ctx.metrics.updatesRefused.inc({ reason: "VALIDATION_FAILED" });
    ctx.logger.warn({ round: p.round, participant: outlier.participant, problem }, "update left out: the aggregate with it fails validation");
    kept = kept.filter((_, i) => i !== index);
  }
}

/**
 * Marks the updates the strategy rejected as left out (REJECTED_BY_STRATEGY): they are not
 * recorded on-chain and earn nothing. Synchronous, right before the aggregate is stored, so
 * a restart before that point aggregates the same updates again.
 */
function leaveOutRejected(ctx: EngineContext, round: number, updates: readonly UpdateRow[], rejected: ReadonlyMap<string, string>): void {
  for (const u of updates) {
    const reason = rejected.get(u.participant.toLowerCase());
    if (reason === undefined) continue;
    ctx.state.excludeUpdate(round, u.participant, "REJECTED_BY_STRATEGY");
    ctx.metrics.updatesRefused.inc({ reason: "REJECTED_BY_STRATEGY" });
    ctx.logger.warn({ round, participant: u.participant, reason }, "update rejected by the strategy: left out of the record");
  }
}

/** The strategy's aggregate; undefined when it is not finite (the kernel refuses it with NON_FINITE). */
async function aggregateUpdates(ctx: EngineContext, p: FinishRoundParameters, results: readonly FitResult[]): Promise<AggregateFitResult | undefined> {
  try {
    return await ctx.strategy.aggregateFit({
      round: p.round,
      layout: ctx.settings.layout,
      global: p.global,
      results,
      failures: [],
      source: ctx.updates,
    });
  } catch (error) {
    if (isFedLedgerError(error, "NON_FINITE")) return undefined;
    throw error;
  }
}

async function record(ctx: EngineContext, p: FinishRoundParameters, candidate: Candidate): Promise<FinishedRound> {
  const updates = candidate.updates.map((u) => ({
    participant: u.participant,
    updateHash: u.updateHash,
    numSamples: BigInt(u.numSamples),
    score: candidate.scores.get(u.participant) ?? 0n,
    datasetCommitment: u.datasetCommitment,
    ...toCompactSignature(u.signature),
  }));
  const recorded = await recordRound(
    {
      ...ctx.ledger,
      onRetry: (attempt, error) =>
        ctx.logger.warn({ round: p.round, attempt, err: error instanceof Error ? error.message.split("\n", 1)[0] : String(error) }, "recordRound failed; retrying"),
    },
    { round: p.round, baseModelHash: p.baseModelHash, aggregateModelHash: candidate.aggregateModelHash, statementDigest: candidate.statementDigest, updates },
  );
  ctx.state.setRecorded(p.round, recorded.txHash, recorded.gasUsed);
  ctx.eventLog.append("round.recorded", {
    round: p.round,
    aggregateModelHash: candidate.aggregateModelHash,
    statementDigest: candidate.statementDigest,
    transactionHash: recorded.txHash,
    gasUsed: recorded.gasUsed.toString(),
  });
  ctx.metrics.gasUsed.inc(Number(recorded.gasUsed));
  ctx.metrics.rounds.inc({ status: "recorded" });
  const { aggregate, aggregateModelHash, metrics, scores, statementDigest } = candidate;
  return { round: p.round, aggregateModelHash, statementDigest, global: aggregate, txHash: recorded.txHash, gasUsed: recorded.gasUsed, metrics, scores };
}
