import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../errors/codes.ts";
import { trainTestSplit } from "./trainTestSplit.ts";

const fedError = (code: ErrorCode) => expect.objectContaining({ name: "FedLedgerError", code });

describe("trainTestSplit", () => {
  it("partitions 0..n-1 into sorted, disjoint sets of the rounded sizes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(), (n, testFraction, seed) => {
        const { train, test } = trainTestSplit(n, { testFraction, seed });
        expect(test).toHaveLength(Math.round(n * testFraction));
        expect(train).toHaveLength(n - test.length);
        expect(test).toEqual([...test].sort((a, b) => a - b));
        expect(train).toEqual([...train].sort((a, b) => a - b));
        expect([...train, ...test].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
    );
  });

  it("is deterministic for a seed, random-looking, and changes with the seed", () => {
    const a = trainTestSplit(100, { testFraction: 0.2, seed: 1 });
    expect(trainTestSplit(100, { testFraction: 0.2, seed: 1 })).toEqual(a);
    expect(trainTestSplit(100, { testFraction: 0.2, seed: 2 }).test).not.toEqual(a.test);
    expect(a.test).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("handles the fractions 0 and 1", () => {
    expect(trainTestSplit(3, { testFraction: 0, seed: 1 })).toEqual({ train: [0, 1, 2], test: [] });
    expect(trainTestSplit(3, { testFraction: 1, seed: 1 })).toEqual({ train: [], test: [0, 1, 2] });
  });

  it.each([
    ["testFraction -0.1", 10, -0.1, 0],
    ["testFraction 1.1", 10, 1.1, 0],
    ["testFraction NaN", 10, Number.NaN, 0],
    ["numSamples -1", -1, 0.5, 0],
    ["numSamples 2.5", 2.5, 0.5, 0],
    ["seed 0.5", 10, 0.5, 0.5],
  ])("rejects %s with INVALID_CONFIG", (_name, n, testFraction, seed) => {
    expect(() => trainTestSplit(n, { testFraction, seed })).toThrow(fedError("INVALID_CONFIG"));
  });
});
