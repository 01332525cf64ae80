import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { isFedLedgerError } from "@fedledger/client-sdk";
import { createMemoryUpdateSource } from "../stores/updateSources.ts";
import { createSampleCountScorer } from "./sampleCountScorer.ts";

const hash = (i: number): Hex => `0x${(i + 1).toString(16).padStart(64, "0")}`;

/** `updates[i]` is the update id of result i (same id, same bytes and hash); id 0 is all zeros. */
const parameters = (counts: number[], updates = counts.map((_, i) => i + 1)) => {
  const source = createMemoryUpdateSource(2);
  updates.forEach((u) => source.add(hash(u), Float32Array.of(u === 0 ? 0 : 0.5, -u)));
  return {
    round: 3,
    baseModelHash: hash(99),
    global: [new Float32Array(2)],
    aggregate: [new Float32Array(2)],
    results: counts.map((numSamples, i) => ({
      participant: `0x${(i + 1).toString(16).padStart(40, "0")}` as Address,
      numSamples,
      updateHash: hash(updates[i]!),
    })),
    source,
  };
};

describe("sample-count scorer", () => {
  it("scores each update by its validated sample count, in order", async () => {
    const scorer = createSampleCountScorer();
    expect(scorer.name).toBe("samples");
    expect(await scorer.score(parameters([600, 1, 0, 2 ** 53 - 1]))).toEqual([600n, 1n, 0n, 2n ** 53n - 1n]);
  });

  it("scores an all-zero update 0, and splits the smallest count among identical updates", async () => {
    expect(await createSampleCountScorer().score(parameters([600, 50, 10, 3], [1, 0, 2, 2]))).toEqual([600n, 0n, 1n, 1n]);
    expect(await createSampleCountScorer().score(parameters([600, 50, 10, 30], [1, 0, 2, 2]))).toEqual([600n, 0n, 5n, 5n]);
  });

  it("refuses counts that are not non-negative integers (INTERNAL)", async () => {
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      const error = await createSampleCountScorer()
        .score(parameters([1, bad]))
        .catch((e: unknown) => e);
      expect(isFedLedgerError(error, "INTERNAL"), String(bad)).toBe(true);
    }
  });
});
