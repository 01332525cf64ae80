import { describe, expect, it } from "vitest";
import { oddEvenMergeSortNetwork, pruneNetwork } from "./sortingNetwork.ts";

function apply(network: readonly (readonly [number, number])[], values: number[]): number[] {
  const v = [...values];
  for (const [i, j] of network) {
    if ((v[i] as number) > (v[j] as number)) [v[i], v[j]] = [v[j] as number, v[i] as number];
  }
  return v;
}

describe("odd-even merge sort network", () => {
  it("sorts every 0-1 input for n = 1..12 (so, by the 0-1 principle, every input)", () => {
    for (let n = 1; n <= 12; n++) {
      const network = oddEvenMergeSortNetwork(n);
      expect(network.every(([i, j]) => i < j && j < n)).toBe(true);
      for (let bits = 0; bits < 2 ** n; bits++) {
        const input = Array.from({ length: n }, (_, k) => (bits >> k) & 1);
        expect(apply(network, input)).toEqual([...input].sort((a, b) => a - b));
      }
    }
  });

  it("has the known comparator counts for powers of two", () => {
    // (p² - p + 4) · 2^(p-2) - 1 comparators for n = 2^p (Knuth, TAOCP 3, 5.3.4)
    for (const p of [1, 2, 3, 4, 5, 6, 7]) expect(oddEvenMergeSortNetwork(2 ** p)).toHaveLength((p * p - p + 4) * 2 ** (p - 2) - 1);
  });

  it("pruned to some positions, still puts the right values there, with fewer comparators", () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 10;
    for (const n of [3, 10, 33, 100]) {
      const full = oddEvenMergeSortNetwork(n);
      const middle = n % 2 === 1 ? [(n - 1) / 2] : [n / 2 - 1, n / 2];
      const pruned = pruneNetwork(full, middle);
      if (n > 3) expect(pruned.length).toBeLessThan(full.length);
      for (let t = 0; t < 200; t++) {
        const input = Array.from({ length: n }, random);
        const sorted = [...input].sort((a, b) => a - b);
        const got = apply(pruned, input);
        for (const r of middle) expect(got[r]).toBe(sorted[r]);
      }
    }
  });
});
