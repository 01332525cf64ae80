import type { Hex } from "viem";
import { FedLedgerError } from "@fedledger/client-sdk";
import type { UpdateSource } from "../Strategy.ts";
import { allReads, yielder } from "./streamingSteps.ts";
import type { WasmArena } from "./wasmArena.ts";

/**
 * Streams n updates from an UpdateSource as "row blocks": for each run of coordinates
 * [start, start + length), one row per update (in the order given), so that coordinate-wise
 * rules (sorting networks, Gram sums) see all n values of a coordinate side by side.
 * Rows live in a wasm arena when WebAssembly SIMD is available (for the kernels of
 * kernels.wat), else in one plain buffer with the same layout.
 */
export type RowBlock = {
  readonly start: number;
  readonly length: number;
  /** Row capacity in float32 lanes: `length` rounded up to ROW_LANE_MULTIPLE (extra lanes hold stale values). */
  readonly lanes: number;
  /** Byte distance between consecutive rows. */
  readonly strideBytes: number;
  /** The buffer holding the rows (a wasm memory's buffer, or a plain one); row i starts at firstRow + i · strideBytes. */
  readonly buffer: ArrayBuffer;
  readonly firstRow: number;
  /** The arena holding the rows, when on the wasm path. */
  readonly arena: WasmArena | undefined;
  /** Row i as a view of `lanes` values (re-create after any arena allocation: views detach when memory grows). */
  row(i: number): Float32Array;
};

/** Rows hold whole groups of 8 lanes (the sorting kernel's 32-byte step). */
export const ROW_LANE_MULTIPLE = 8;
/** Extra memory of a robust aggregation, output included, as a share of its inputs (n · P · 4 bytes). */
export const ROBUST_MEMORY_SHARE = 0.1;
/** Fewest and most coordinates per row block. */
export const MIN_ROW_CHUNK = 1_024;
export const MAX_ROW_CHUNK = 262_144;

export const roundUpTo = (n: number, multiple: number): number => Math.ceil(n / multiple) * multiple;

/**
 * Row stride for `lanes` lanes: whole 4 KiB pages plus 256 bytes, so that the same columns
 * of successive rows fall in different sets of a set-associative L1 cache (a stride that is
 * a multiple of 4 KiB maps all n rows of a column onto the same few sets).
 */
export function rowStrideBytes(lanes: number): number {
  return roundUpTo(lanes * 4, 4096) + 256;
}

/**
 * Coordinates per row block for n updates of P parameters: as many as fit in
 * ROBUST_MEMORY_SHARE of the inputs after the P-value output (`perCoordinateBytes` of
 * scratch per coordinate besides the n rows), within [MIN_ROW_CHUNK, MAX_ROW_CHUNK] and P.
 */
export function plannedRowChunk(n: number, parameterCount: number, perCoordinateBytes: number): number {
  // rowStrideBytes adds at most 4 KiB + 256 bytes of padding per row
  const budget = ROBUST_MEMORY_SHARE * n * parameterCount * 4 - parameterCount * 4 - n * (4096 + 256);
  const fit = Math.floor(budget / (n * 4 + perCoordinateBytes));
  const chunk = Math.min(MAX_ROW_CHUNK, Math.max(MIN_ROW_CHUNK, fit));
  return Math.min(roundUpTo(parameterCount, ROW_LANE_MULTIPLE), Math.floor(chunk / ROW_LANE_MULTIPLE) * ROW_LANE_MULTIPLE);
}

/**
 * Coordinates per block that forEachRowBlock uses for `chunkSize` (default: planned, see
 * plannedRowChunk): at most P, rounded up to ROW_LANE_MULTIPLE.
 */
export function blockChunk(n: number, parameterCount: number, chunkSize: number | undefined, perCoordinateBytes = 0): number {
  const chunk = chunkSize ?? plannedRowChunk(n, parameterCount, perCoordinateBytes);
  return roundUpTo(Math.min(chunk, roundUpTo(parameterCount, ROW_LANE_MULTIPLE)), ROW_LANE_MULTIPLE);
}

export function assertChunkSize(chunkSize: number | undefined): void {
  if (chunkSize !== undefined && (!Number.isSafeInteger(chunkSize) || chunkSize < 1)) {
    throw new FedLedgerError("INVALID_CONFIG", "chunkSize must be a positive integer", { details: String(chunkSize) });
  }
}

export type ForEachRowBlockParameters = {
  hashes: readonly Hex[];
  source: UpdateSource;
  /** Coordinates per block; rounded up to a multiple of ROW_LANE_MULTIPLE. */
  chunkSize: number;
  /** Where the rows go: an arena (rows allocated in it) or none (a plain buffer). */
  arena: WasmArena | undefined;
};

/**
 * Reads every update chunk by chunk into rows and calls `visit` once per chunk, in
 * ascending coordinate order. Allocates the rows in `arena` first: allocate any other
 * scratch there before calling, not inside `visit`.
 */
export async function forEachRowBlock(
  p: ForEachRowBlockParameters,
  visit: (block: RowBlock) => void | Promise<void>,
): Promise<void> {
  const n = p.hashes.length;
  const P = p.source.parameterCount;
  const chunk = blockChunk(n, P, p.chunkSize);
  const strideBytes = rowStrideBytes(chunk);
  let buffer: ArrayBuffer;
  let firstRow: number;
  if (p.arena) {
    const at = p.arena.allocate(strideBytes * n);
    if (at === undefined) throw new FedLedgerError("INTERNAL", "Could not allocate aggregation scratch", { details: `${strideBytes * n} bytes` });
    firstRow = at;
    buffer = p.arena.kernel.memory.buffer;
  } else {
    firstRow = 0;
    buffer = new ArrayBuffer(strideBytes * n);
  }
  const maybeYield = yielder();
  for (let start = 0; start < P; start += chunk) {
    const length = Math.min(chunk, P - start);
    const lanes = roundUpTo(length, ROW_LANE_MULTIPLE);
    const row = (i: number): Float32Array => new Float32Array(buffer, firstRow + i * strideBytes, lanes);
    await allReads(p.hashes.map((hash, i) => p.source.read(hash, start, row(i).subarray(0, length))));
    await visit({ start, length, lanes, strideBytes, buffer, firstRow, arena: p.arena, row });
    const pause = maybeYield();
    if (pause) await pause;
  }
}
