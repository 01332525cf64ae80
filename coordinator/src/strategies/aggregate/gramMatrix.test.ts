import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { storeUpdates } from "../../../../test/fixtures/storedUpdates.ts";
import { createMemoryUpdateSource } from "../../stores/updateSources.ts";
import { gramMatrix } from "./gramMatrix.ts";
import { bulyanSelect, krumScores, multiKrumSelect, squaredDistances } from "./krumSelection.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const hashOf = (i: number): Hex => `0x${(i + 1).toString(16).padStart(64, "0")}`;

/** THE GRAM ARITHMETIC as a plain loop. */
function referenceGram(updates: readonly Float32Array[]): Float64Array {
  const n = updates.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let even = 0;
      let odd = 0;
      updates[i]!.forEach((x, k) => {
        if (k % 2 === 0) even += x * updates[j]![k]!;
        else odd += x * updates[j]![k]!;
      });
      out[i * n + j] = even + odd;
    }
  }
  return out;
}

describe("gramMatrix", () => {
  it("matches the plain loop bit for bit, for every backend and chunk size (property)", async () => {
    const value = fc.float({ min: Math.fround(-1e3), max: Math.fround(1e3), noNaN: true });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 13 }).chain((n) =>
          fc.integer({ min: 1, max: 1100 }).chain((p) => fc.array(fc.array(value, { minLength: p, maxLength: p }), { minLength: n, maxLength: n })),
        ),
        fc.integer({ min: 1, max: 700 }),
        async (updates, chunkSize) => {
          const us = updates.map((u) => Float32Array.from(u));
          const source = createMemoryUpdateSource(us[0]!.length);
          us.forEach((u, i) => source.add(hashOf(i), u));
          const hashes = us.map((_, i) => hashOf(i));
          const expected = referenceGram(us);
          for (const backend of ["wasm", "js"] as const) {
            expect(await gramMatrix({ hashes, source, backend })).toEqual(expected);
            expect(await gramMatrix({ hashes, source, backend, chunkSize })).toEqual(expected);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("streams from the update store the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fedledger-gram-"));
    try {
      const us = [0, 1, 2, 3, 4].map((i) => Float32Array.from({ length: 3001 }, (_, k) => Math.fround(Math.sin(i * 7 + k))));
      const { source, hashes } = await storeUpdates(dir, us, { layout: [{ name: "a", shape: [1500] }, { name: "b", shape: [1501] }] });
      expect(await gramMatrix({ hashes, source, chunkSize: 1000 })).toEqual(referenceGram(us));
      await source.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Krum selection", () => {
  // Five points on a line (one coordinate): 0, 1, 2, 3 and an outlier at 100.
  const points = [0, 1, 2, 3, 100].map((x) => Float32Array.from([x]));
  const distances = squaredDistances(referenceGram(points), 5);

  it("computes squared distances from the Gram matrix", () => {
    expect(distances[0 * 5 + 4]).toBe(10_000);
    expect(distances[1 * 5 + 3]).toBe(4);
    expect(distances[2 * 5 + 2]).toBe(0);
  });

  it("scores each point by its n - f - 2 nearest neighbours", () => {
    // f = 1: 2 neighbours. 0: 1 + 4; 1: 1 + 1; 2: 1 + 1; 3: 1 + 4; 100: 97² + 98²
    expect(krumScores(distances, 5, [0, 1, 2, 3, 4], 1)).toEqual([5, 2, 2, 5, 97 ** 2 + 98 ** 2]);
  });

  it("Krum keeps the best point (ties to the lower index); Multi-Krum the m best; never the outlier", () => {
    expect(multiKrumSelect(distances, 5, 1, 1)).toEqual([1]);
    expect(multiKrumSelect(distances, 5, 1, 4)).toEqual([0, 1, 2, 3]);
  });

  it("Bulyan's repeated Krum chooses θ points, the outlier last", () => {
    expect(bulyanSelect(distances, 5, 1, 3)).toEqual([0, 1, 2]);
    expect(bulyanSelect(distances, 5, 1, 4)).toEqual([0, 1, 2, 3]);
  });

  it("stays defined with fewer updates than 2f + 3", () => {
    const two = squaredDistances(referenceGram(points.slice(0, 2)), 2);
    expect(krumScores(two, 2, [0, 1], 3)).toEqual([1, 1]);
    expect(multiKrumSelect(two, 2, 3, 1)).toEqual([0]);
    expect(krumScores(new Float64Array(1), 1, [0], 0)).toEqual([0]);
  });
});
