import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { isFedLedgerError } from "@fedledger/client-sdk";
import { createMemoryUpdateSource } from "../stores/updateSources.ts";
import { createSampleCountScorer } from "./sampleCountScorer.ts";

const parameters = (counts: number[]) => ({
  round: 3,
  global: [new Float32Array(2)],
  aggregate: [new Float32Array(2)],
  results: counts.map((numSamples, i) => ({
    participant: `0x${(i + 1).toString(16).padStart(40, "0")}` as Address,
    numSamples,
    updateHash: `0x${(i + 1).toString(16).padStart(64, "0")}` as Hex,
  })),
  source: createMemoryUpdateSource(2),
});

describe("sample-count scorer", () => {
  it("scores each update by its validated sample count, in order", async () => {
    const scorer = createSampleCountScorer();
    expect(scorer.name).toBe("sample-count");
    expect(await scorer.score(parameters([600, 1, 0, 2 ** 53 - 1]))).toEqual([600n, 1n, 0n, 2n ** 53n - 1n]);
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
