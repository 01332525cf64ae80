// The contract every Scorer meets, as a reusable vitest suite (Hono style): a scorer's
// test file calls runScorerConformance("name", () => createXScorer()).
import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { createMemoryUpdateSource } from "../stores/updateSources.ts";
import type { FitResult } from "../strategies/Strategy.ts";
import type { ScoreParameters, Scorer } from "./Scorer.ts";

// Two layers (5×2 kernel, bias of 2): 12 parameters.
const total = 12;
const UINT64_LIMIT = 2n ** 64n;

function roundInputs(counts: readonly number[]): ScoreParameters {
  const source = createMemoryUpdateSource(total);
  const results: FitResult[] = counts.map((numSamples, i) => {
    const updateHash: Hex = `0x${(i + 1).toString(16).padStart(64, "0")}`;
    source.add(updateHash, Float32Array.from({ length: total }, (_, k) => Math.sin(k + i) * 0.01));
    const participant: Address = `0x${(0x100 + i).toString(16).padStart(40, "0")}`;
    return { participant, numSamples, updateHash };
  });
  const global = [new Float32Array(10).fill(0.5), new Float32Array(2).fill(-0.5)];
  const aggregate = global.map((layer) => layer.map((v) => v + 0.001));
  return { round: 1, global, aggregate, results, source };
}

export function runScorerConformance(name: string, makeScorer: () => Scorer): void {
  describe(`Scorer conformance: ${name}`, () => {
    const cases = [[1], [10, 20, 30], [5, 1, 5, 1, 5, 1, 5, 1], [1_000_000, 3, 2 ** 40]];

    it("has a name", () => {
      expect(makeScorer().name.length).toBeGreaterThan(0);
    });

    it("returns one bigint score per result, in [0, 2^64)", async () => {
      for (const counts of cases) {
        const scores = await makeScorer().score(roundInputs(counts));
        expect(scores).toHaveLength(counts.length);
        for (const score of scores) {
          expect(typeof score).toBe("bigint");
          expect(score >= 0n && score < UINT64_LIMIT).toBe(true);
        }
      }
    });

    it("is deterministic, across calls and instances", async () => {
      for (const counts of cases) {
        const parameters = roundInputs(counts);
        const scorer = makeScorer();
        const first = await scorer.score(parameters);
        expect(await scorer.score(parameters)).toEqual(first);
        expect(await makeScorer().score(roundInputs(counts))).toEqual(first);
      }
    });

    it("scores no results as no scores", async () => {
      expect(await makeScorer().score(roundInputs([]))).toEqual([]);
    });
  });
}
