import { performance } from "node:perf_hooks";
import type { Address, Hex } from "viem";
import { contentHash, decodeWeights, encodeWeights, toCompactSignature, type Weights } from "@fedledger/client-sdk";
import { recordRound } from "../ledger/recordRound.ts";
import type { UpdateRow } from "../stores/stateStore.ts";
import type { EngineContext } from "./engineContext.ts";

export type FinishedRound = {
  round: number;
  aggregateModelHash: Hex;
  global: Weights;
  txHash: Hex;
  gasUsed: bigint;
  metrics: Record<string, number>;
  scores: ReadonlyMap<Address, bigint>;
};

/**
 * Flower's "aggregate" and "evaluate", then the ledger record. The aggregate, its hash,
 * the scores and the evaluation are stored before the transaction is sent, so a restart
 * re-sends the same record instead of aggregating again.
 */
export async function finishRound(
  ctx: EngineContext,
  p: { round: number; baseModelHash: Hex; global: Weights; updates: readonly UpdateRow[] },
): Promise<FinishedRound> {
  const row = ctx.state.getRound(p.round);
  let aggregate: Weights;
  let aggregateModelHash: Hex;
  let metrics: Record<string, number>;
  let scores: Map<Address, bigint>;
  if (row?.status === "aggregated" && row.aggregateModelHash && row.baseModelHash === p.baseModelHash) {
    aggregateModelHash = row.aggregateModelHash;
    aggregate = decodeWeights(await ctx.content.get(aggregateModelHash), ctx.settings.layout).weights;
    metrics = row.metrics ?? {};
    scores = new Map(p.updates.map((u) => [u.participant, u.score ?? 0n]));
    ctx.logger.info({ round: p.round }, "resuming an aggregated round: recording it");
  } else {
    const results = p.updates.map((u) => ({ participant: u.participant, numSamples: u.numSamples, updateHash: u.updateHash }));
    const started = performance.now();
    aggregate = await ctx.strategy.aggregateFit({
      round: p.round,
      layout: ctx.settings.layout,
      global: p.global,
      results,
      failures: [],
      source: ctx.updates,
    });
    const aggregationSeconds = (performance.now() - started) / 1000;
    ctx.metrics.aggregationSeconds.observe(aggregationSeconds);
    const encoded = encodeWeights(aggregate, ctx.settings.layout, "f32");
    aggregateModelHash = await contentHash(encoded);
    await ctx.content.put(encoded);
    const scoreList = await ctx.scorer.score({ round: p.round, global: p.global, aggregate, results, source: ctx.updates });
    scores = new Map(results.map((r, i) => [r.participant, scoreList[i] ?? 0n]));
    const evaluation = await ctx.strategy.evaluate(p.round, aggregate);
    metrics = { aggregationSeconds, ...(evaluation ? { loss: evaluation.loss, accuracy: evaluation.accuracy } : {}) };
    ctx.state.setAggregated(p.round, aggregateModelHash, metrics, scores);
    if (evaluation) ctx.metrics.testAccuracy.set(evaluation.accuracy);
    ctx.logger.info({ round: p.round, aggregateModelHash, ...metrics }, "round aggregated");
  }

  const updates = p.updates.map((u) => ({
    participant: u.participant,
    updateHash: u.updateHash,
    numSamples: BigInt(u.numSamples),
    score: scores.get(u.participant) ?? 0n,
    datasetCommitment: u.datasetCommitment,
    ...toCompactSignature(u.signature),
  }));
  const recorded = await recordRound(
    {
      ...ctx.ledger,
      onRetry: (attempt, error) =>
        ctx.logger.warn({ round: p.round, attempt, err: error instanceof Error ? error.message : String(error) }, "recordRound failed; retrying"),
    },
    { round: p.round, baseModelHash: p.baseModelHash, aggregateModelHash, updates },
  );
  ctx.state.setRecorded(p.round, recorded.txHash, recorded.gasUsed);
  ctx.metrics.gasUsed.inc(Number(recorded.gasUsed));
  ctx.metrics.rounds.inc({ status: "recorded" });
  return { round: p.round, aggregateModelHash, global: aggregate, txHash: recorded.txHash, gasUsed: recorded.gasUsed, metrics, scores };
}
