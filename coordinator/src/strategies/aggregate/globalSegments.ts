import { FedLedgerError, type Weights } from "@fedledger/client-sdk";
import type { UpdateSource } from "../Strategy.ts";

/**
 * The global model as segments in layout order (itself when flattened, else its layers;
 * not copied). Throws SHAPE_MISMATCH if it differs in size from the updates of `source`.
 */
export function globalSegments(global: Float32Array | Weights, source: UpdateSource): readonly Float32Array[] {
  const segments = global instanceof Float32Array ? [global] : global;
  const P = segments.reduce((count, s) => count + s.length, 0);
  if (P !== source.parameterCount) {
    throw new FedLedgerError("SHAPE_MISMATCH", "Updates and global model differ in size", {
      details: `global has ${P} parameters, updates ${source.parameterCount}`,
    });
  }
  return segments;
}

/** Copies [start, start + into.length) of the concatenation of `segments` into `into`. */
export function gather(segments: readonly Float32Array[], start: number, into: Float32Array): void {
  let base = 0;
  let written = 0;
  for (const segment of segments) {
    const end = base + segment.length;
    if (end > start + written && written < into.length) {
      const from = start + written - base;
      const take = Math.min(segment.length - from, into.length - written);
      into.set(segment.subarray(from, from + take), written);
      written += take;
    }
    base = end;
    if (written === into.length) return;
  }
}
