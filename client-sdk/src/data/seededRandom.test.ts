import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../errors/codes.ts";
import { assertSeed, mulberry32, seededPermutation, shuffleInPlace } from "./seededRandom.ts";

const fedError = (code: ErrorCode) => expect.objectContaining({ name: "FedLedgerError", code });

describe("mulberry32", () => {
  it("matches the reference mulberry32 stream for seed 0", () => {
    // The C reference (uint32 z = state += 0x6D2B79F5; z = (z ^ z >> 15) * (z | 1);
    // z ^= z + (z ^ z >> 7) * (z | 61); return z ^ z >> 14), run independently for seed 0.
    const random = mulberry32(0);
    const firstInts = [0, 1, 2].map(() => Math.round(random() * 4294967296));
    expect(firstInts).toEqual([1144304738, 1416247, 958946056]);
  });

  it("is deterministic per seed and differs across seeds", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const seqA = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(seqA);
    expect(Array.from({ length: 100 }, () => c())).not.toEqual(seqA);
  });

  it("yields floats in [0, 1) with a plausible mean", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (seed) => {
        const random = mulberry32(seed);
        const xs = Array.from({ length: 2000 }, () => random());
        expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...xs)).toBeLessThan(1);
        expect(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - 0.5)).toBeLessThan(0.05);
      }),
      { numRuns: 50 },
    );
  });

  it("reduces seeds modulo 2^32", () => {
    const a = mulberry32(5);
    const b = mulberry32(5 + 2 ** 32);
    expect([a(), a()]).toEqual([b(), b()]);
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])("rejects seed %s with INVALID_CONFIG", (seed) => {
    expect(() => mulberry32(seed)).toThrow(fedError("INVALID_CONFIG"));
    expect(() => assertSeed(seed)).toThrow(fedError("INVALID_CONFIG"));
  });
});

describe("shuffleInPlace / seededPermutation", () => {
  it("permutes in place and returns the same array", () => {
    const items = ["a", "b", "c", "d", "e"];
    const result = shuffleInPlace(items, mulberry32(1));
    expect(result).toBe(items);
    expect([...items].sort()).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("gives a permutation of 0..n-1 fixed by the seed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer(), (n, seed) => {
        const p = seededPermutation(n, seed);
        expect(p).toEqual(seededPermutation(n, seed));
        expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
    );
  });

  it("actually reorders (not the identity for a typical seed)", () => {
    expect(seededPermutation(50, 7)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(seededPermutation(50, 7)).not.toEqual(seededPermutation(50, 8));
  });

  it.each([-1, 2.5, Number.NaN])("rejects length %s with INVALID_CONFIG", (n) => {
    expect(() => seededPermutation(n, 1)).toThrow(fedError("INVALID_CONFIG"));
  });

  it("rejects a bad seed with INVALID_CONFIG", () => {
    expect(() => seededPermutation(3, 0.5)).toThrow(fedError("INVALID_CONFIG"));
  });
});
