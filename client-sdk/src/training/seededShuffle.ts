import type { SeededRandom } from "./seededUniform.ts";

/**
 * Shuffles `values` in place with a Fisher-Yates pass driven by `random`: for i from the
 * end down to 1, swap with j = floor(u32 * (i + 1) / 2^32). Returns `values`.
 */
export function seededShuffle<T extends Uint32Array | Int32Array>(values: T, random: SeededRandom): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor((random.nextUint32() * (i + 1)) / 2 ** 32);
    const swap = values[i] as number;
    values[i] = values[j] as number;
    values[j] = swap;
  }
  return values;
}

/** The identity permutation 0..n-1, shuffled with {@link seededShuffle}. */
export function seededPermutation(n: number, random: SeededRandom): Uint32Array {
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) indices[i] = i;
  return seededShuffle(indices, random);
}
