import type { Hex } from "viem";
import { FedLedgerError } from "@fedledger/client-sdk";
import type { UpdateSource } from "../Strategy.ts";
import type { RobustBackend } from "./orderStatistics.ts";
import { assertChunkSize, blockChunk, forEachRowBlock, type RowBlock, roundUpTo, rowStrideBytes } from "./rowBlocks.ts";
import { yielder } from "./streamingSteps.ts";
import { borrowArena, returnArena } from "./wasmArena.ts";

/*
 * THE GRAM ARITHMETIC (normative: Krum's choice depends on it, so an auditor re-derives it).
 *
 * For updates x_i, x_j (P float32 values each, layout order), in IEEE-754 binary64 with
 * round-to-nearest-even (every product of two float32 is exact in binary64):
 *
 *     s0 = +0;  s0 = s0 + x_i[k]·x_j[k]   for k = 0, 2, 4, ... (even k, ascending)
 *     s1 = +0;  s1 = s1 + x_i[k]·x_j[k]   for k = 1, 3, 5, ... (odd k, ascending)
 *     G[i][j] = s0 + s1
 *
 * Two interleaved sums are what one float64x2 SIMD accumulator holds. G is symmetric bit
 * for bit (x·y = y·x). Chunk sizes and backends give the same bytes: the kernel carries
 * each accumulator from chunk to chunk, and chunks start at even coordinates.
 */

/** Coordinates per call of the tile kernel: 4 + 2 rows of 4 KiB stay in L1, all n rows in L2. */
const TILE_LANES = 512;
/** Row stride of the float64 tile rows: 4 KiB plus one cache line, to spread cache sets. */
const TILE_STRIDE_BYTES = TILE_LANES * 8 + 64;

/** Working memory of gramMatrix: the n rows of one block, the float64 tile rows and the accumulators. */
export function gramScratchBytes(n: number, parameterCount: number, chunkSize?: number): number {
  const chunk = blockChunk(n, parameterCount, chunkSize);
  const padded = roundUpTo(n, 4);
  return n * rowStrideBytes(chunk) + padded * TILE_STRIDE_BYTES + padded * padded * 16;
}

export type GramMatrixParameters = {
  /** The updates, in the order of the matrix's rows and columns. */
  hashes: readonly Hex[];
  source: UpdateSource;
  chunkSize?: number;
  backend?: RobustBackend;
};

function accumulateJs(block: RowBlock, n: number, s: Float64Array): void {
  const rows = Array.from({ length: n }, (_, i) => block.row(i));
  for (let i = 0; i < n; i++) {
    const a = rows[i] as Float32Array;
    for (let j = i; j < n; j++) {
      const b = rows[j] as Float32Array;
      let s0 = s[(i * n + j) * 2] as number;
      let s1 = s[(i * n + j) * 2 + 1] as number;
      let k = 0;
      for (; k + 1 < block.length; k += 2) {
        s0 += (a[k] as number) * (b[k] as number);
        s1 += (a[k + 1] as number) * (b[k + 1] as number);
      }
      if (k < block.length) s0 += (a[k] as number) * (b[k] as number);
      s[(i * n + j) * 2] = s0;
      s[(i * n + j) * 2 + 1] = s1;
    }
  }
}

/**
 * The n × n Gram matrix of the updates (row-major, see THE GRAM ARITHMETIC), streamed
 * from the source in row blocks. Extra memory: n rows of one block (planned within
 * ROBUST_MEMORY_SHARE of the inputs), n (rounded up to 4) float64 rows of TILE_LANES
 * values, and the n² accumulators.
 */
export async function gramMatrix(p: GramMatrixParameters): Promise<Float64Array> {
  assertChunkSize(p.chunkSize);
  const n = p.hashes.length;
  if (n === 0) return new Float64Array(0);
  const chunk = blockChunk(n, p.source.parameterCount, p.chunkSize);
  const padded = roundUpTo(n, 4);
  const arena = borrowArena(p.backend, padded * TILE_STRIDE_BYTES + padded * padded * 16);
  try {
    const kernel = arena?.kernel;
    if (!arena || !kernel) {
      const sums = new Float64Array(n * n * 2);
      await forEachRowBlock({ hashes: p.hashes, source: p.source, chunkSize: chunk, arena: undefined }, (block) => accumulateJs(block, n, sums));
      return symmetric(n, (i, j) => (sums[(i * n + j) * 2] as number) + (sums[(i * n + j) * 2 + 1] as number));
    }
    const tilesAt = arena.allocate(padded * TILE_STRIDE_BYTES);
    const accAt = arena.allocate(padded * padded * 16);
    if (tilesAt === undefined || accAt === undefined) throw new FedLedgerError("INTERNAL", "Could not allocate aggregation scratch");
    let zeroed = false;
    const maybeYield = yielder();
    await forEachRowBlock({ hashes: p.hashes, source: p.source, chunkSize: chunk, arena }, async (block) => {
      const tiles = new Float64Array(block.buffer, tilesAt, (padded * TILE_STRIDE_BYTES) / 8);
      if (!zeroed) {
        // Padding rows stay zero; accumulators start at +0.
        tiles.fill(0);
        new Float64Array(block.buffer, accAt, padded * padded * 2).fill(0);
        zeroed = true;
      }
      const tileRow = (i: number): number => tilesAt + i * TILE_STRIDE_BYTES;
      for (let lane = 0; lane < block.length; lane += TILE_LANES) {
        const length = Math.min(TILE_LANES, block.length - lane);
        const even = roundUpTo(length, 2);
        for (let i = 0; i < n; i++) {
          const at = (i * TILE_STRIDE_BYTES) / 8;
          tiles.set(block.row(i).subarray(lane, lane + length), at);
          if (even > length) tiles[at + length] = 0; // an odd tail: 0 · 0 adds +0
        }
        for (let i = 0; i < padded; i += 4) {
          for (let j = i; j < padded; j += 2) {
            kernel.gram4x2(tileRow(i), tileRow(i + 1), tileRow(i + 2), tileRow(i + 3), tileRow(j), tileRow(j + 1), accAt + (i * padded + j) * 16, padded * 16, even * 8);
          }
        }
        const pause = maybeYield();
        if (pause) await pause;
      }
    });
    const acc = new Float64Array(arena.kernel.memory.buffer, accAt, padded * padded * 2);
    return symmetric(n, (i, j) => (acc[(i * padded + j) * 2] as number) + (acc[(i * padded + j) * 2 + 1] as number));
  } finally {
    returnArena(arena);
  }
}

/** The n × n matrix with entry (i, j) = entry (j, i) = at(i, j) for i <= j. */
function symmetric(n: number, at: (i: number, j: number) => number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const value = at(i, j);
      out[i * n + j] = value;
      out[j * n + i] = value;
    }
  }
  return out;
}
