import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { seededPermutation } from "./seededShuffle.ts";
import { createSeededRandom, fillUniform } from "./seededUniform.ts";

function draws(seed: number | bigint, count: number): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, () => random.nextUint32());
}

describe("createSeededRandom", () => {
  // Reference values from an independent implementation of SplitMix64 + xoshiro128**.
  it("matches the specified SplitMix64-seeded xoshiro128** stream", () => {
    expect(draws(0, 5)).toEqual([3737715805, 2584255861, 2876756834, 3286328325, 1553311962]);
    expect(draws(12345678901234n, 5)).toEqual([249836012, 3621651019, 2489901518, 3222711161, 1152533334]);
  });

  it("treats a number and the equal bigint as the same seed", () => {
    expect(draws(42, 8)).toEqual(draws(42n, 8));
    expect(draws(42, 8)).not.toEqual(draws(43, 8));
  });

  it("yields floats in [0, 1) with 24 bits", () => {
    const random = createSeededRandom(7);
    const values = Array.from({ length: 10_000 }, () => random.nextFloat());
    expect(values.every((u) => u >= 0 && u < 1 && Number.isInteger(u * 2 ** 24))).toBe(true);
  });

  it("rejects seeds that are not non-negative integers below 2^64", () => {
    for (const seed of [-1, 1.5, Number.NaN, 2 ** 60, -1n, 1n << 64n]) {
      let caught: unknown;
      try {
        createSeededRandom(seed);
      } catch (error) {
        caught = error;
      }
      expect(isFedLedgerError(caught, "INVALID_CONFIG")).toBe(true);
    }
  });
});

describe("fillUniform", () => {
  it("fills within [low, high) and is roughly uniform", () => {
    const values = fillUniform(createSeededRandom(3), new Float32Array(20_000), -2, 2);
    expect(values.every((v) => v >= -2 && v < 2)).toBe(true);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
  });
});

describe("seededPermutation", () => {
  it("is a deterministic permutation", () => {
    const a = seededPermutation(1000, createSeededRandom(5));
    const b = seededPermutation(1000, createSeededRandom(5));
    const c = seededPermutation(1000, createSeededRandom(6));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
