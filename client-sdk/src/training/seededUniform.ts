import { FedLedgerError } from "../errors/FedLedgerError.ts";

/**
 * A small, portable, seeded pseudo-random generator, specified exactly so that any party
 * (coordinator, client, auditor, a Python script) re-derives the same numbers without
 * TensorFlow.js:
 *
 * 1. The seed (an integer in [0, 2^64)) is expanded with SplitMix64: two outputs `a`, `b`.
 *    The xoshiro128** state is `[lo32(a), hi32(a), lo32(b), hi32(b)]`
 *    (`[1, 0, 0, 0]` in the practically impossible all-zero case).
 * 2. Each draw is one xoshiro128** step, an unsigned 32-bit integer.
 * 3. A uniform float in [0, 1) is `(u32 >>> 8) * 2^-24` (exact in float32 and float64).
 *
 * Not cryptographic: it makes initial weights and shuffles reproducible, nothing more.
 */
export type SeededRandom = {
  /** The next unsigned 32-bit integer of the stream. */
  nextUint32(): number;
  /** The next float in [0, 1) with 24 random bits. */
  nextFloat(): number;
};

/** A seed: a non-negative safe integer or a bigint below 2^64. */
export type Seed = number | bigint;

const MASK_64 = (1n << 64n) - 1n;

function seedToBigInt(seed: Seed): bigint {
  if (typeof seed === "number") {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new FedLedgerError("INVALID_CONFIG", "Seed must be a non-negative safe integer", {
        details: `got ${seed}`,
      });
    }
    return BigInt(seed);
  }
  if (seed < 0n || seed > MASK_64) {
    throw new FedLedgerError("INVALID_CONFIG", "Seed must fit in 64 unsigned bits", { details: `got ${seed}` });
  }
  return seed;
}

function splitMix64(state: bigint): { state: bigint; output: bigint } {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK_64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return { state: next, output: z ^ (z >> 31n) };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Creates the xoshiro128** stream of `seed` (see the type's documentation). */
export function createSeededRandom(seed: Seed): SeededRandom {
  const first = splitMix64(seedToBigInt(seed));
  const second = splitMix64(first.state);
  let s0 = Number(first.output & 0xffffffffn);
  let s1 = Number(first.output >> 32n);
  let s2 = Number(second.output & 0xffffffffn);
  let s3 = Number(second.output >> 32n);
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };
  return { nextUint32, nextFloat: () => (nextUint32() >>> 8) * 2 ** -24 };
}

/**
 * Fills `out` with uniform values in [low, high): `out[i] = fround(low + (high - low) * u)`
 * with `u` the next float of `random`, computed in float64 and rounded once to float32.
 */
export function fillUniform(random: SeededRandom, out: Float32Array, low: number, high: number): Float32Array {
  const span = high - low;
  for (let i = 0; i < out.length; i++) out[i] = low + span * random.nextFloat();
  return out;
}
