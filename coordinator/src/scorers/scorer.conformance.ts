// The contract every Scorer meets, as a reusable vitest suite (Hono style):
// scorers.conformance.test.ts runs it for every scorer in the registry.
import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { createDataset, type Dataset, isFedLedgerError, type ModelSpec } from "@fedledger/client-sdk";
import { createMemoryUpdateSource } from "../stores/updateSources.ts";
import type { FitResult } from "../strategies/Strategy.ts";
import type { ScoreParameters, Scorer, ScorerDependencies } from "./Scorer.ts";

// Softmax regression over 5 features and 2 classes: a 5×2 kernel and a bias of 2.
const spec: ModelSpec = { kind: "mlp", inputShape: [5], layers: [{ units: 2, activation: "softmax" }] };
const total = 12;
const UINT64_LIMIT = 2n ** 64n;
const BASE_HASH: Hex = `0x${"ab".repeat(32)}`;

/** Validation data: class 1 iff x0 + x1 − x2 > 0. */
function validationData(): Dataset {
  const count = 64;
  const features = Float32Array.from({ length: count * 5 }, (_, i) => Math.sin(i * 1.7 + 0.3));
  const at = (i: number) => features[i] as number;
  const labels = Int32Array.from({ length: count }, (_, i) => (at(i * 5) + at(i * 5 + 1) - at(i * 5 + 2) > 0 ? 1 : 0));
  return createDataset({ features, labels, featureShape: [5], numClasses: 2 });
}

/**
 * Update `u`: a step of varying size along the direction that fits the validation rule
 * (every fourth one a harmful step against it), plus a little update-specific noise;
 * `u` = ZERO is the all-zero update.
 */
const ZERO = -1;
function delta(u: number): Float32Array {
  if (u === ZERO) return new Float32Array(total);
  const direction = [1, 1, -1, 0, 0];
  const scale = u % 4 === 3 ? -0.5 : 0.2 + 0.1 * (u % 3);
  const out = new Float32Array(total);
  direction.forEach((d, f) => {
    out[f * 2] = -scale * d;
    out[f * 2 + 1] = scale * d;
  });
  for (let k = 0; k < total; k++) out[k] = (out[k] as number) + 0.01 * Math.sin(k * (u + 2));
  return out;
}

/** One submitted update: the update `u` (same u, same bytes and hash) with a sample count. */
type Submission = { u: number; numSamples: number };

function roundInputs(submissions: readonly Submission[]): ScoreParameters {
  const source = createMemoryUpdateSource(total);
  const results: FitResult[] = submissions.map(({ u, numSamples }, i) => {
    const updateHash: Hex = `0x${(u + 2).toString(16).padStart(64, "0")}`;
    source.add(updateHash, delta(u));
    const participant: Address = `0x${(0x100 + i).toString(16).padStart(40, "0")}`;
    return { participant, numSamples, updateHash };
  });
  const global = [new Float32Array(10).fill(0.05), new Float32Array(2).fill(-0.05)];
  const aggregate = global.map((layer) => layer.map((v) => v + 0.001));
  return { round: 1, baseModelHash: BASE_HASH, global, aggregate, results, source };
}

const plain = (counts: readonly number[]): Submission[] => counts.map((numSamples, u) => ({ u, numSamples }));

export function runScorerConformance(name: string, makeScorer: (dependencies: ScorerDependencies) => Scorer): void {
  const dependencies: ScorerDependencies = { spec, evaluationData: validationData() };
  const create = () => makeScorer(dependencies);
  const score = async (submissions: readonly Submission[]) => create().score(roundInputs(submissions));

  describe(`Scorer conformance: ${name}`, () => {
    const cases = [[1], [10, 20, 30], [5, 1, 5, 1, 5, 1, 5, 1], [1_000_000, 3, 2 ** 40]].map(plain);

    it("has a name", () => {
      expect(create().name.length).toBeGreaterThan(0);
    });

    it("returns one bigint score per result, in [0, 2^64), never all 0 when an update carries samples", async () => {
      for (const submissions of cases) {
        const scores = await score(submissions);
        expect(scores).toHaveLength(submissions.length);
        for (const s of scores) {
          expect(typeof s).toBe("bigint");
          expect(s >= 0n && s < UINT64_LIMIT).toBe(true);
        }
        expect(scores.reduce((a, b) => a + b, 0n)).toBeGreaterThan(0n);
      }
    });

    it("is deterministic, across calls and instances", async () => {
      for (const submissions of cases) {
        const parameters = roundInputs(submissions);
        const scorer = create();
        const first = await scorer.score(parameters);
        expect(await scorer.score(parameters)).toEqual(first);
        expect(await score(submissions)).toEqual(first);
      }
    });

    it("does not depend on the order of the results", async () => {
      const parameters = roundInputs(plain([10, 20, 30, 40, 50]));
      const scores = await create().score(parameters);
      const byParticipant = new Map(parameters.results.map((r, i) => [r.participant, scores[i]]));
      const reversed = [...parameters.results].reverse();
      const reordered = await create().score({ ...parameters, results: reversed });
      expect(reordered).toEqual(reversed.map((r) => byParticipant.get(r.participant)));
    });

    it("scores no results as no scores", async () => {
      expect(await score([])).toEqual([]);
    });

    it("scores an all-zero update 0, whatever sample count it claims", async () => {
      for (const claimed of [1, 30, 2 ** 40]) {
        const scores = await score([...plain([10, 20, 30]), { u: ZERO, numSamples: claimed }]);
        expect(scores[3]).toBe(0n);
      }
    });

    it("gives copies of one update (one hash) equal shares that together make no more than the update alone with the smallest of their counts", async () => {
      const copies = await score([...plain([10, 20, 30]), { u: 1, numSamples: 25 }]);
      const merged = await score(plain([10, 20, 30]));
      const [copy, other] = [copies[1] ?? -1n, copies[3] ?? -1n];
      expect(copy).toBe(other);
      expect(copy + other).toBeLessThanOrEqual(merged[1] ?? -1n);
      expect([copies[0], copies[2]]).toEqual([merged[0], merged[2]]);
    });

    it("refuses sample counts that are not non-negative safe integers (INTERNAL)", async () => {
      for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
        const error = await score(plain([1, bad])).catch((e: unknown) => e);
        expect(isFedLedgerError(error, "INTERNAL"), String(bad)).toBe(true);
      }
    });
  });
}
