import { mulberry32 } from "../../client-sdk/src/data/seededRandom.ts";

/** The SDK's seeded PRNG with the draws a fuzzer needs. Same seed, same stream, on any machine. */
export function createFuzzRng(seed: number) {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const bytes = (length: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const x = (next() * 2 ** 32) >>> 0;
      for (let k = 0; k < 4 && i + k < length; k++) out[i + k] = (x >>> (8 * k)) & 0xff;
    }
    return out;
  };
  return {
    next,
    /** An integer in [min, max]. */
    int,
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    bytes,
    /** `length` bytes as lowercase hex, no prefix. */
    hex: (length: number) => Buffer.from(bytes(length)).toString("hex"),
    /** A string of `length` code points drawn from ASCII, Latin-1, astral and lone surrogates. */
    text(length: number): string {
      let s = "";
      for (let i = 0; i < length; i++) {
        const kind = int(0, 9);
        s += kind < 6 ? String.fromCharCode(int(0x20, 0x7e)) : kind < 8 ? String.fromCharCode(int(0, 0xff)) : kind < 9 ? String.fromCodePoint(int(0x10000, 0x10ffff)) : String.fromCharCode(int(0xd800, 0xdfff));
      }
      return s;
    },
  };
}

export type FuzzRng = ReturnType<typeof createFuzzRng>;
