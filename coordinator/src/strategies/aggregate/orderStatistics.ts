import type { Hex } from "viem";
import { FedLedgerError, type Weights } from "@fedledger/client-sdk";
import type { UpdateSource } from "../Strategy.ts";
import { gather, globalSegments } from "./globalSegments.ts";
import { accumulateRows, NETWORK_STEP_BYTES } from "./kernels.ts";
import { assertChunkSize, blockChunk, forEachRowBlock, type RowBlock, roundUpTo, rowStrideBytes } from "./rowBlocks.ts";
import { oddEvenMergeSortNetwork, pruneNetwork } from "./sortingNetwork.ts";
import { yielder } from "./streamingSteps.ts";
import { assertFiniteChunk } from "./weightedDeltaAverage.ts";
import { borrowArena, returnArena, type WasmArena } from "./wasmArena.ts";

/*
 * THE ORDER-STATISTIC ARITHMETIC (normative, like FedAvg's in weightedDeltaAverage.ts).
 *
 * For every parameter k, take the n update values x_1[k]..x_n[k] (float32, finite) sorted
 * ascending: y_0 <= y_1 <= ... <= y_{n-1}. Equal values have equal bits except zeros, so
 * this list does not depend on the order of the updates up to the signs of its zeros,
 * which cannot change the result below (acc starts at +0, and +0 + -0 = +0). A rule
 * keeps the ranks [lo, hi) and computes, in IEEE-754 binary64 with round-to-nearest-even:
 *
 *     acc    = +0
 *     acc    = acc + y_r                       for r = lo, ..., hi - 1, in this order
 *     out[k] = float32( g[k] + acc / (hi - lo) )
 *
 * i.e. `let acc = 0; for (r...) acc += y[r]; out[k] = Math.fround(g[k] + acc / (hi - lo))`.
 * The trimmed mean keeps [b, n - b); the median keeps the middle one (n odd) or two (n even).
 *
 * How: the n rows of a chunk of coordinates go through Batcher's odd-even merge sorting
 * network (pruned to the ranks needed), applied to all coordinates at once with SIMD
 * minimum/maximum; then the kept rows are summed with the FedAvg kernel's accumulate
 * functions at weight 1 (1 · y is exact, so that is the sum above). Every coordinate is
 * independent of the others, so chunk sizes and backends give the same bytes.
 */

/** "wasm": the SIMD kernels (default when available); "js": plain loops, same results. */
export type RobustBackend = "wasm" | "js";

/** Accumulator (8) and staged global (4) bytes per coordinate of a block. */
const KEPT_RANKS_PER_COORDINATE_BYTES = 12;

/** Lanes the sorting network runs over per call: its rows (n · 1 KiB) stay in L2. */
const NETWORK_LANES = 256;

export type SortedBlocksParameters = {
  /** The updates to read; the order does not change the sorted rows. */
  hashes: readonly Hex[];
  source: UpdateSource;
  /** Ranks the caller reads after sorting (the network is pruned to them). */
  needed: readonly number[];
  chunkSize?: number;
  backend?: RobustBackend;
  /** Scratch bytes per coordinate the caller allocates in the arena (for the chunk plan). */
  perCoordinateBytes?: number;
  /** Called with the arena before any row is allocated, to allocate the caller's scratch. */
  prepare?: (block: { arena: WasmArena | undefined; chunk: number }) => void;
};

/**
 * Working memory of keptRanksMean besides its P-value output: the n rows of one block,
 * the float64 block accumulator, the block's global values and the comparator list.
 */
export function keptRanksScratchBytes(n: number, parameterCount: number, chunkSize?: number): number {
  const chunk = blockChunk(n, parameterCount, chunkSize, KEPT_RANKS_PER_COORDINATE_BYTES);
  return n * rowStrideBytes(chunk) + chunk * KEPT_RANKS_PER_COORDINATE_BYTES + oddEvenMergeSortNetwork(n).length * 8;
}

function sortRowsJs(block: RowBlock, pairs: readonly (readonly [number, number])[], n: number): void {
  const rows = Array.from({ length: n }, (_, i) => block.row(i));
  for (const [i, j] of pairs) {
    const a = rows[i] as Float32Array;
    const b = rows[j] as Float32Array;
    for (let k = 0; k < a.length; k++) {
      const x = a[k] as number;
      const y = b[k] as number;
      // exactly f32x4.pmin / f32x4.pmax
      a[k] = y < x ? y : x;
      b[k] = x < y ? y : x;
    }
  }
}

/**
 * Streams the updates in row blocks and sorts every coordinate's n values ascending (rows
 * 0..n-1 of the block then hold y_0..y_{n-1} at the ranks in `needed`; other rows hold
 * unspecified values; zeros may have either sign).
 */
export async function forEachSortedBlock(p: SortedBlocksParameters, visit: (block: RowBlock) => void | Promise<void>): Promise<void> {
  assertChunkSize(p.chunkSize);
  const n = p.hashes.length;
  if (n === 0) throw new FedLedgerError("INTERNAL", "No updates to aggregate");
  const chunk = blockChunk(n, p.source.parameterCount, p.chunkSize, p.perCoordinateBytes);
  const pairs = pruneNetwork(oddEvenMergeSortNetwork(n), p.needed);
  const arena = borrowArena(p.backend, 4096);
  try {
    p.prepare?.({ arena, chunk });
    const kernel = arena?.kernel;
    let pairsAt = 0;
    if (arena && kernel) {
      const at = arena.allocate(Math.max(8, pairs.length * 8));
      if (at === undefined) throw new FedLedgerError("INTERNAL", "Could not allocate aggregation scratch");
      pairsAt = at;
    }
    let written = false;
    const maybeYield = yielder();
    await forEachRowBlock({ hashes: p.hashes, source: p.source, chunkSize: chunk, arena: kernel ? arena : undefined }, async (block) => {
      if (!kernel) {
        sortRowsJs(block, pairs, n);
        return visit(block);
      }
      if (!written) {
        // Byte offsets of the compared rows, relative to the first row.
        const offsets = new Int32Array(block.buffer, pairsAt, pairs.length * 2);
        pairs.forEach(([i, j], c) => {
          offsets[2 * c] = i * block.strideBytes;
          offsets[2 * c + 1] = j * block.strideBytes;
        });
        written = true;
      }
      for (let lane = 0; lane < block.lanes; lane += NETWORK_LANES) {
        const bytes = Math.min(NETWORK_LANES, block.lanes - lane) * 4;
        if (bytes % NETWORK_STEP_BYTES !== 0) throw new FedLedgerError("INTERNAL", "Row lanes are not whole network steps");
        kernel.network(block.firstRow + lane * 4, pairsAt, pairs.length, bytes);
        const pause = maybeYield();
        if (pause) await pause;
      }
      return visit(block);
    });
  } finally {
    returnArena(arena);
  }
}

export type KeptRanksMeanParameters = {
  /** The current global model: flattened, or its layers in layout order (not copied). */
  global: Float32Array | Weights;
  hashes: readonly Hex[];
  source: UpdateSource;
  /** Ranks kept: [lo, hi) with 0 <= lo < hi <= n. */
  lo: number;
  hi: number;
  chunkSize?: number;
  backend?: RobustBackend;
};

/**
 * g + the mean of the kept ranks [lo, hi) of every coordinate (see THE ORDER-STATISTIC
 * ARITHMETIC), flattened in layout order. Streams the updates in row blocks: extra memory
 * is the output plus n rows of one block (planned within ROBUST_MEMORY_SHARE of the
 * inputs). Throws NON_FINITE if a result overflows float32.
 */
export async function keptRanksMean(p: KeptRanksMeanParameters): Promise<Float32Array> {
  const n = p.hashes.length;
  if (!Number.isSafeInteger(p.lo) || !Number.isSafeInteger(p.hi) || p.lo < 0 || p.hi > n || p.lo >= p.hi) {
    throw new FedLedgerError("INTERNAL", "Kept ranks must satisfy 0 <= lo < hi <= n", { details: `[${p.lo}, ${p.hi}) of ${n}` });
  }
  const segments = globalSegments(p.global, p.source);
  const out = new Float32Array(p.source.parameterCount);
  const count = p.hi - p.lo;
  let accAt = 0;
  const needed = Array.from({ length: count }, (_, i) => p.lo + i);
  await forEachSortedBlock(
    {
      hashes: p.hashes,
      source: p.source,
      needed,
      ...(p.chunkSize === undefined ? {} : { chunkSize: p.chunkSize }),
      ...(p.backend === undefined ? {} : { backend: p.backend }),
      perCoordinateBytes: KEPT_RANKS_PER_COORDINATE_BYTES,
      prepare: ({ arena, chunk }) => {
        if (arena) {
          const at = arena.allocate(roundUpTo(chunk, 8) * 8);
          if (at === undefined) throw new FedLedgerError("INTERNAL", "Could not allocate aggregation scratch");
          accAt = at;
        }
      },
    },
    (block) => {
      const g = new Float32Array(block.length);
      gather(segments, block.start, g);
      const kernel = block.arena?.kernel;
      let acc: Float64Array;
      if (kernel) {
        // Rows [lo, hi) at weight 1, from +0.
        accumulateRows(kernel, accAt, { at: (r) => block.firstRow + r * block.strideBytes, weight: () => 1 }, p.lo, p.hi, block.lanes, true);
        acc = new Float64Array(block.buffer, accAt, block.lanes);
      } else {
        acc = new Float64Array(block.length);
        for (let r = p.lo; r < p.hi; r++) {
          const row = block.row(r);
          for (let k = 0; k < block.length; k++) acc[k] = (r === p.lo ? 0 : (acc[k] as number)) + 1 * (row[k] as number);
        }
      }
      const chunk = out.subarray(block.start, block.start + block.length);
      for (let k = 0; k < block.length; k++) chunk[k] = Math.fround((g[k] as number) + (acc[k] as number) / count);
      assertFiniteChunk(chunk, block.start);
    },
  );
  return out;
}
