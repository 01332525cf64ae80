// The safety net's per-round filters on a real SQLite state store and update source:
// copies, replays of the last global change, and the validation gate with its quorum floor.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Address, Hex } from "viem";
import { describe, expect, it } from "vitest";
import { createDataset, createValidationUtility, type ModelSpec } from "@fedledger/client-sdk";
import { createCoordinatorMetrics } from "../metrics/coordinatorMetrics.ts";
import { openStateStore } from "../stores/stateStore.ts";
import { createMemoryUpdateSource } from "../stores/updateSources.ts";
import { leaveOutCopies } from "./leaveOutCopies.ts";
import { leaveOutNoGain } from "./leaveOutNoGain.ts";
import { leaveOutReplays } from "./leaveOutReplays.ts";

// Softmax regression, 2 features, 2 classes: class 1 iff x0 > x1. Weights: kernel [2, 2], bias [2].
const spec: ModelSpec = { kind: "mlp", inputShape: [2], layers: [{ units: 2, activation: "softmax" }] };
const P = 6;
const features = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i * 12.9898) * 2);
const labels = Int32Array.from({ length: 100 }, (_, i) => ((features[2 * i] as number) > (features[2 * i + 1] as number) ? 1 : 0));
const utility = createValidationUtility(spec, createDataset({ features, labels, featureShape: [2], numClasses: 2 }));
const global = [new Float32Array(4), new Float32Array(2)];

/** A step `scale` along the direction that fits the rule, plus `wobble` on the bias (keeps directions distinct). */
const step = (scale: number, wobble = 0) => Float32Array.of(-scale, scale, scale, -scale, wobble, -wobble);
const hash = (i: number): Hex => `0x${(i + 1).toString(16).padStart(64, "0")}`;
const address = (i: number): Address => `0x${(i + 1).toString(16).padStart(40, "0")}`;

function round(deltas: readonly Float32Array[], minFitClients = 1) {
  const state = openStateStore(join(mkdtempSync(join(tmpdir(), "fedledger-filters-")), "state.sqlite"));
  const updates = createMemoryUpdateSource(P);
  state.openRound(1, 1, hash(100), Date.now() + 60_000, deltas.map((_, i) => address(i)));
  deltas.forEach((delta, i) => {
    // Identical deltas share one hash, as identical bytes do.
    const first = deltas.findIndex((d) => d.every((v, k) => v === delta[k]));
    if (first === i) updates.add(hash(i), delta);
    state.insertUpdate({ round: 1, participant: address(i), updateHash: hash(first), numSamples: 10, signature: "0x", datasetCommitment: hash(0), dtype: "f32", norm: null });
  });
  const ctx = {
    state,
    updates,
    logger: pino({ level: "silent" }),
    metrics: createCoordinatorMetrics(),
    settings: { minFitClients } as never,
    safety: { maxUpdateNorm: undefined, outlierNormMultiple: 10, maxLossIncrease: 1, copyCosine: 0.99999, replayCosine: 0.99999, validationGate: utility },
  };
  const excluded = () => state.listExcluded(1).map((u) => [Number(BigInt(u.participant)) - 1, u.excluded]);
  return { ctx, rows: state.listUpdates(1), excluded };
}

describe("the safety net's round filters", () => {
  it("leaves out every copy: same bytes, or a cosine of at least copyCosine; distinct updates stay", async () => {
    const nudged = step(0.5, 0.1).map((v, k) => (k === 0 ? v * (1 + 1e-7) : v));
    const { ctx, rows, excluded } = round([step(0.5, 0.1), step(1, -0.3), step(0.5, 0.1), nudged, step(0.7, 0.9)]);
    const kept = await leaveOutCopies(ctx, 1, rows);
    expect(kept.map((u) => u.participant)).toEqual([address(1), address(4)]);
    expect(excluded()).toEqual([0, 2, 3].map((i) => [i, "COPIED_UPDATE"]));
    const off = round([step(0.5), step(0.5)]);
    expect(await leaveOutCopies({ ...off.ctx, safety: { ...off.ctx.safety, copyCosine: null } }, 1, off.rows)).toHaveLength(2);
  });

  it("leaves out the last global change sent back, and keeps updates only partly along it", async () => {
    const change = Float64Array.from(step(0.3, 0.2));
    const { ctx, rows, excluded } = round([Float32Array.from(change), step(0.3, -0.2), step(1, 0.5)]);
    const kept = await leaveOutReplays(ctx, 1, rows, change);
    expect(kept.map((u) => u.participant)).toEqual([address(1), address(2)]);
    expect(excluded()).toEqual([[0, "REPLAYED_UPDATE"]]);
    expect(await leaveOutReplays(ctx, 1, kept, undefined)).toHaveLength(2); // round 1: no last change
  });

  it("the validation gate leaves out updates whose leave-one-out value is not positive: harmful and zero ones", async () => {
    const { ctx, rows, excluded } = round([step(0.5, 0.1), step(-2, 0.2), step(0.4, -0.1), new Float32Array(P)]);
    const kept = await leaveOutNoGain(ctx, { round: 1, global, utility }, rows);
    expect(kept.map((u) => u.participant)).toEqual([address(0), address(2)]);
    expect(excluded()).toEqual([
      [1, "NO_VALIDATED_GAIN"],
      [3, "NO_VALIDATED_GAIN"],
    ]);
  });

  it("never takes the round below minFitClients: the best failing updates are kept, the most harmful goes", async () => {
    const { ctx, rows, excluded } = round([step(0.5, 0.1), step(-2, 0.2), new Float32Array(P)], 2);
    const kept = await leaveOutNoGain(ctx, { round: 1, global, utility }, rows);
    // The zero update (gain 0) beats the sign flip (gain < 0) for the second place.
    expect(kept.map((u) => u.participant)).toEqual([address(0), address(2)]);
    expect(excluded()).toEqual([[1, "NO_VALIDATED_GAIN"]]);
  });
});
