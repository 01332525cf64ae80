import { FedLedgerError } from "../errors/FedLedgerError.ts";

/** A source of uniform floats in [0, 1). */
export type RandomSource = () => number;

/**
 * Throws INVALID_CONFIG unless `seed` is a safe integer. Seeds are reduced modulo 2^32
 * (`seed >>> 0`), so `0` and `2 ** 32` give the same stream.
 */
export function assertSeed(seed: number, name = "seed"): void {
  if (!Number.isSafeInteger(seed)) {
    throw new FedLedgerError("INVALID_CONFIG", `${name} must be a safe integer`, { details: `got ${String(seed)}` });
  }
}

/**
 * mulberry32: a tiny, fast 32-bit PRNG (Tommy Ettinger). Not cryptographic; used only to
 * make shuffles and splits reproducible across machines, since every step is 32-bit
 * integer arithmetic with exact results in JavaScript.
 */
export function mulberry32(seed: number): RandomSource {
  assertSeed(seed);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle of `items` in place, driven by `random`; returns `items`. */
export function shuffleInPlace<T>(items: T[], random: RandomSource): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const current = items[i] as T;
    items[i] = items[j] as T;
    items[j] = current;
  }
  return items;
}

/** The indices 0..n-1 in an order fixed by `seed`. */
export function seededPermutation(n: number, seed: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new FedLedgerError("INVALID_CONFIG", "permutation length must be a non-negative integer", {
      details: `got ${String(n)}`,
    });
  }
  const random = mulberry32(seed);
  return shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    random,
  );
}
