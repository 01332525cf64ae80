import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import type { Hex } from "viem";
import { mulberry32 } from "../data/seededRandom.ts";
import type { ModelSpec } from "../training/modelSpec.ts";
import type { TrainingData } from "../training/trainingData.ts";
import { capPlayerNorms } from "./capPlayerNorms.ts";
import { createCoalitionGame } from "./coalitionGame.ts";
import { contributionScores, type DeltaReader, SCORE_SCALE, type ScoringMethod } from "./contributionScores.ts";
import { leaveOneOut } from "./leaveOneOut.ts";
import { createValidationUtility } from "./validationUtility.ts";

// Softmax regression, 4 features, 2 classes (10 parameters); class 1 iff x0 − x1 > 0.
const spec: ModelSpec = { kind: "mlp", inputShape: [4], layers: [{ units: 2, activation: "softmax" }] };
const P = 10;
function data(): TrainingData {
  const random = mulberry32(9);
  const features = Float32Array.from({ length: 80 * 4 }, () => random() * 2 - 1);
  const labels = Int32Array.from({ length: 80 }, (_, i) => (features[i * 4]! - features[i * 4 + 1]! > 0 ? 1 : 0));
  return { features, labels, numSamples: 80, featureShape: [4], numClasses: 2 };
}
const utility = createValidationUtility(spec, data());
const global = [new Float32Array(8), new Float32Array(2)];

/** An update stepping `scale` along the direction that fits the rule (negative: harmful). */
function step(scale: number): Float32Array {
  const out = new Float32Array(P);
  out[0] = -scale; // x0 → class 0
  out[1] = scale; // x0 → class 1
  out[2] = scale; // x1 → class 0
  out[3] = -scale; // x1 → class 1
  return out;
}

const hash = (i: number): Hex => `0x${(i + 1).toString(16).padStart(64, "0")}`;
function reader(deltas: readonly Float32Array[]): DeltaReader {
  return {
    parameterCount: P,
    async read(updateHash, offset, into) {
      into.set((deltas[Number(BigInt(updateHash)) - 1] as Float32Array).subarray(offset, offset + into.length));
    },
  };
}

async function run(method: ScoringMethod, deltas: readonly Float32Array[], counts: readonly number[]) {
  return contributionScores({
    method,
    baseModelHash: hash(1000),
    updates: counts.map((numSamples, i) => ({ updateHash: hash(i), numSamples })),
    deltas: reader(deltas),
    validation: { global, utility },
  });
}

const shapley: ScoringMethod = { name: "shapley", permutations: 10, truncationTolerance: 0.01, maxEvaluations: 100 };

describe("contributionScores", () => {
  it("leave-one-out scores are round(max(0, v(N) − v(N \\ {i})) × 1e9), harmful updates 0", async () => {
    const deltas = [step(1), step(0.5), step(-0.8), new Float32Array(P)];
    const counts = [10, 20, 10, 40];
    const { scores, evaluations, fallback } = await run({ name: "leave-one-out" }, deltas, counts);
    // Players are ordered by update hash: here the input order.
    const scales = capPlayerNorms(deltas);
    const game = createCoalitionGame({ global: new Float64Array(P), players: deltas.map((delta, i) => ({ delta, numSamples: counts[i]!, scale: scales[i]! })), utility });
    const expected = (await leaveOneOut(game)).map((v) => BigInt(Math.round(Math.max(0, v) * SCORE_SCALE)));
    expect(scores).toEqual(expected);
    expect(scores[0]! > 0n && scores[1]! > 0n).toBe(true);
    expect([scores[2], scores[3]]).toEqual([0n, 0n]);
    expect(evaluations).toBe(5);
    expect(fallback).toBe(false);
  });

  it("shapley gives helpful updates positive scores, harmful and zero-sample ones 0, within the budget", async () => {
    const deltas = [step(1), step(0.5), step(-0.8), step(2), step(0.3)];
    const { scores, evaluations, fallback } = await run(shapley, deltas, [10, 20, 10, 0, 30]);
    expect(scores[0]! > 0n && scores[1]! > 0n && scores[4]! > 0n).toBe(true);
    expect([scores[2], scores[3]]).toEqual([0n, 0n]);
    expect(evaluations).toBeLessThanOrEqual(100);
    expect(fallback).toBe(false);
  });

  it("falls back to sample counts when no update has a positive value (zero updates still 0)", async () => {
    const deltas = [step(-1), step(-0.5), new Float32Array(P)];
    for (const method of [shapley, { name: "leave-one-out" } as const]) {
      const result = await run(method, deltas, [10, 20, 30]);
      expect(result.scores).toEqual([10n, 20n, 0n]);
      expect(result.fallback).toBe(true);
    }
  });

  it("scores all 0 only when every update is zero or has no samples", async () => {
    const result = await run(shapley, [new Float32Array(P), step(1)], [10, 0]);
    expect(result.scores).toEqual([0n, 0n]);
  });

  it("weights copies by their smallest sample count and splits one player's score among them", async () => {
    const copies = await contributionScores({
      method: { name: "samples" },
      baseModelHash: hash(1000),
      updates: [{ updateHash: hash(0), numSamples: 30 }, { updateHash: hash(0), numSamples: 50 }, { updateHash: hash(1), numSamples: 40 }],
      deltas: reader([step(1), step(0.5)]),
    });
    expect(copies.scores).toEqual([15n, 15n, 40n]);
  });

  it("caps a scaled update's value at a typical update's: scaling buys nothing", async () => {
    const honest = [step(0.3), step(0.5), step(0.5), step(0.6)];
    const plain = await run(shapley, [...honest, step(0.5)], [10, 10, 10, 10, 10]);
    const scaled = await run(shapley, [...honest, step(0.5 * 8)], [10, 10, 10, 10, 10]);
    // Capped at the upper median norm (step(0.5)'s), the scaled update is the plain one.
    expect(scaled.scores).toEqual(plain.scores);
  });

  it("refuses a sample count that is not a safe integer, a missing utility (INTERNAL) and a base model of another size (SHAPE_MISMATCH)", async () => {
    const unsafe = contributionScores({
      method: { name: "samples" },
      baseModelHash: hash(1000),
      updates: [{ updateHash: hash(0), numSamples: 2 ** 53 }],
      deltas: reader([step(1)]),
    });
    expect(isFedLedgerError(await unsafe.catch((e: unknown) => e), "INTERNAL")).toBe(true);
    const noUtility = contributionScores({ method: shapley, baseModelHash: hash(1000), updates: [{ updateHash: hash(0), numSamples: 1 }], deltas: reader([step(1)]) });
    expect(isFedLedgerError(await noUtility.catch((e: unknown) => e), "INTERNAL")).toBe(true);
    const wrongBase = contributionScores({
      method: shapley,
      baseModelHash: hash(1000),
      updates: [{ updateHash: hash(0), numSamples: 1 }],
      deltas: reader([step(1)]),
      validation: { global: [new Float32Array(8)], utility },
    });
    expect(isFedLedgerError(await wrongBase.catch((e: unknown) => e), "SHAPE_MISMATCH")).toBe(true);
  });

  it("seeds the permutations from the base model hash", async () => {
    const deltas = Array.from({ length: 8 }, (_, i) => step(0.2 + 0.15 * i * (i % 2 ? -1 : 1)));
    const counts = [5, 8, 13, 21, 34, 55, 89, 144];
    const method: ScoringMethod = { ...shapley, permutations: 3 };
    const scoresFor = async (baseModelHash: Hex) =>
      (
        await contributionScores({
          method,
          baseModelHash,
          updates: counts.map((numSamples, i) => ({ updateHash: hash(i), numSamples })),
          deltas: reader(deltas),
          validation: { global, utility },
        })
      ).scores;
    expect(await scoresFor(hash(1))).toEqual(await scoresFor(hash(1)));
    expect(await scoresFor(hash(1))).not.toEqual(await scoresFor(hash(2)));
  });
});
