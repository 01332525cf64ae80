import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { createMemoryUpdateSource } from "../../stores/updateSources.ts";
import { closestToMedianMean } from "./closestToMedianMean.ts";
import { keptRanksMean, keptRanksScratchBytes } from "./orderStatistics.ts";
import { plannedRowChunk, ROBUST_MEMORY_SHARE } from "./rowBlocks.ts";

const hashOf = (i: number): Hex => `0x${(i + 1).toString(16).padStart(64, "0")}`;

function sourceOf(updates: readonly Float32Array[], parameterCount: number) {
  const source = createMemoryUpdateSource(parameterCount);
  updates.forEach((u, i) => source.add(hashOf(i), u));
  return { source, hashes: updates.map((_, i) => hashOf(i)) };
}

/** The normative arithmetic as a plain loop: sort each coordinate, sum kept ranks from +0. */
function referenceKeptRanks(global: Float32Array, updates: readonly Float32Array[], lo: number, hi: number): Float32Array {
  return global.map((g, k) => {
    const sorted = updates.map((u) => u[k]!).sort((a, b) => a - b);
    let acc = 0;
    for (let r = lo; r < hi; r++) acc += sorted[r]!;
    return Math.fround(g + acc / (hi - lo));
  });
}

function referenceClosestToMedian(global: Float32Array, updates: readonly Float32Array[], beta: number): Float32Array {
  const n = updates.length;
  return global.map((g, k) => {
    const y = updates.map((u) => u[k]!).sort((a, b) => a - b);
    const median = n % 2 ? y[(n - 1) / 2]! : (y[n / 2 - 1]! + y[n / 2]!) / 2;
    // the beta values nearest the median; on equal (rounded) distances the lower side first,
    // and within a side the rank nearer the middle; summed in ascending rank order
    const half = Math.floor(n / 2);
    const key = (rank: number) => (rank < half ? [0, half - rank] : [1, rank - half]);
    const kept = y
      .map((v, rank) => ({ v, rank, distance: Math.abs(v - median) }))
      .sort((a, b) => a.distance - b.distance || key(a.rank)[0]! - key(b.rank)[0]! || key(a.rank)[1]! - key(b.rank)[1]!)
      .slice(0, beta)
      .sort((a, b) => a.rank - b.rank);
    let acc = 0;
    for (const { v } of kept) acc += v;
    return Math.fround(g + acc / beta);
  });
}

const value = fc.oneof(
  fc.float({ min: Math.fround(-1e3), max: Math.fround(1e3), noNaN: true }),
  fc.constantFrom(0, -0, 1, -1, 0.5), // ties and signed zeros
);

const roundArb = fc.integer({ min: 1, max: 11 }).chain((n) =>
  fc.integer({ min: 1, max: 40 }).chain((p) =>
    fc.record({
      global: fc.array(value, { minLength: p, maxLength: p }),
      updates: fc.array(fc.array(value, { minLength: p, maxLength: p }), { minLength: n, maxLength: n }),
      chunkSize: fc.integer({ min: 1, max: 50 }),
    }),
  ),
);

const same = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((v, k) => Object.is(v, b[k]));

describe("keptRanksMean (median and trimmed mean)", () => {
  it("matches a plain sort-and-sum loop bit for bit, for every backend and chunk size (property)", async () => {
    await fc.assert(
      fc.asyncProperty(roundArb, fc.nat(), async ({ global, updates, chunkSize }, pick) => {
        const g = Float32Array.from(global);
        const us = updates.map((u) => Float32Array.from(u));
        const n = us.length;
        const b = pick % Math.ceil(n / 2);
        const { source, hashes } = sourceOf(us, g.length);
        const expected = referenceKeptRanks(g, us, b, n - b);
        for (const backend of ["wasm", "js"] as const) {
          expect(same(await keptRanksMean({ global: g, hashes, source, lo: b, hi: n - b, backend }), expected)).toBe(true);
          expect(same(await keptRanksMean({ global: g, hashes, source, lo: b, hi: n - b, backend, chunkSize }), expected)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("takes the median of 5 known vectors", async () => {
    const updates = [
      [1, 10, -3],
      [2, 20, -2],
      [3, -30, -1],
      [100, 40, 0],
      [-100, 50, 1e6],
    ].map((u) => Float32Array.from(u));
    const { source, hashes } = sourceOf(updates, 3);
    const out = await keptRanksMean({ global: Float32Array.from([0.5, 0, 0]), hashes, source, lo: 2, hi: 3 });
    expect([...out]).toEqual([2.5, 20, -1]);
  });

  it("refuses impossible ranks and reports an overflow as NON_FINITE", async () => {
    const { source, hashes } = sourceOf([Float32Array.from([3e38]), Float32Array.from([3e38])], 1);
    await expect(keptRanksMean({ global: Float32Array.from([0]), hashes, source, lo: 1, hi: 1 })).rejects.toMatchObject({ code: "INTERNAL" });
    await expect(keptRanksMean({ global: Float32Array.from([3e38]), hashes, source, lo: 0, hi: 2 })).rejects.toMatchObject({ code: "NON_FINITE" });
    await expect(keptRanksMean({ global: Float32Array.from([0, 0]), hashes, source, lo: 0, hi: 2 })).rejects.toMatchObject({ code: "SHAPE_MISMATCH" });
  });

  it("plans its working memory within the memory share of the inputs, output included", () => {
    for (const [n, p] of [[100, 1_000_000], [50, 10_000_000], [200, 1_000_000], [30, 2_000_000]] as const) {
      expect(plannedRowChunk(n, p, 12) % 8).toBe(0);
      expect(p * 4 + keptRanksScratchBytes(n, p)).toBeLessThanOrEqual(ROBUST_MEMORY_SHARE * n * p * 4);
    }
  });
});

describe("closestToMedianMean (Bulyan's coordinate rule)", () => {
  it("matches a brute-force search for the β values closest to the median (property)", async () => {
    await fc.assert(
      fc.asyncProperty(roundArb, fc.nat(), async ({ global, updates, chunkSize }, pick) => {
        const g = Float32Array.from(global);
        const us = updates.map((u) => Float32Array.from(u));
        const beta = 1 + (pick % us.length);
        const { source, hashes } = sourceOf(us, g.length);
        const expected = referenceClosestToMedian(g, us, beta);
        for (const backend of ["wasm", "js"] as const) {
          expect(same(await closestToMedianMean({ global: g, hashes, source, beta, backend, chunkSize }), expected)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("averages the values nearest the median, leaving the far ones out", async () => {
    const updates = [[-50], [1], [2], [3], [4], [100], [7]].map((u) => Float32Array.from(u));
    const { source, hashes } = sourceOf(updates, 1);
    // sorted -50 1 2 3 4 7 100, median 3; the 3 closest: 2 3 4
    expect([...(await closestToMedianMean({ global: Float32Array.from([0]), hashes, source, beta: 3 }))]).toEqual([3]);
  });
});
