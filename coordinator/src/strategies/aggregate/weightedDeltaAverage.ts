import { FedLedgerError, isValidSampleCount, MAX_NUM_SAMPLES, type Weights } from "@fedledger/client-sdk";
import type { FitResult, UpdateSource } from "../Strategy.ts";
import { gather, globalSegments } from "./globalSegments.ts";
import { assertChunkSize } from "./rowBlocks.ts";
import { allReads, yielder } from "./streamingSteps.ts";
import { borrowArena, returnArena, type WasmArena } from "./wasmArena.ts";
import { accumulateRows, kernelsAvailable } from "./kernels.ts";

/*
 * THE AGGREGATION ARITHMETIC (normative: auditors re-derive the bit-identical model from
 * this paragraph alone; the SDK's rederiveAggregate is its plain-loop reference).
 *
 * Inputs: the global model g (P float32 values, layout order, flattened), and the accepted
 * updates Δ_1..Δ_m (each P float32 values, layout order, flattened) with sample counts
 * n_1..n_m (positive integers, N = n_1 + ... + n_m < 2^53), in canonical order (ascending
 * participant address, compared as 160-bit numbers). For every parameter k, in IEEE-754
 * binary64 with round-to-nearest-even, no fused multiply-add, every float32 widened
 * exactly and every n_i exact:
 *
 *     acc  = +0
 *     acc  = acc + (n_i · Δ_i[k])         for i = 1, ..., m, in this order
 *     out[k] = float32( g[k] + acc / N )  (binary64 division, then binary64 addition, then
 *                                          one rounding to nearest-even binary32)
 *
 * i.e. in JavaScript `let acc = 0; for (i...) acc += n[i] * d[i][k]; out[k] =
 * Math.fround(g[k] + acc / N)`. (Starting from +0, not from the first product, matters
 * only for the sign of a zero, and is kept for that.) This is FedAvg's weighted mean of
 * the client models, g + Σ n_i Δ_i / N = Σ n_i (g + Δ_i) / N, computed on deltas.
 *
 * How the work is split never changes the per-element sequence of operations above: chunk
 * boundaries, batch boundaries, SIMD lanes and the 4-way unrolling over updates all leave
 * every element's additions in ascending i, so every chunk size and both backends give the
 * same bytes.
 */

/*
 * Updates are read chunk by chunk into scratch (from the store: positioned reads of the
 * signed objects) and combined there by the wasm SIMD kernel, up to 4 updates per pass over
 * the chunk's float64 accumulator. Measurements: README, "Benchmarks".
 */

export type WeightedUpdate = Pick<FitResult, "updateHash" | "numSamples">;

/** "wasm": the SIMD kernels of kernels.wat (default when available); "js": scalar loops. */
export type AggregationBackend = "wasm" | "js";

export type WeightedDeltaAverageParameters = {
  /** The current global model: flattened, or its layers in layout order (not copied). */
  global: Float32Array | Weights;
  /** The accepted updates in canonical order; the sums run in this order. */
  results: readonly WeightedUpdate[];
  source: UpdateSource;
  /** Parameters per chunk. Any positive integer gives the same bytes; default: planned. */
  chunkSize?: number;
  backend?: AggregationBackend;
  /**
   * Where to write the result (P values) instead of a new array: saves the output's
   * allocation, which for a fresh 40 MB array costs ~20 ms of page faults and GC here.
   * May be the flattened global itself (an in-place update): every chunk of the global
   * is staged before that chunk of the output is written.
   */
  output?: Float32Array;
};

export type AggregationPlan = {
  readonly backend: AggregationBackend;
  readonly chunkSize: number;
  /** Updates read concurrently per chunk (each into its own chunk buffer). */
  readonly batchSize: number;
  /**
   * Working memory besides the P·4-byte output: chunk buffers, one float64 chunk
   * accumulator, and chunk-sized staging for the global and the output. Planned within
   * SCRATCH_BUDGET × P·4 bytes (so the total stays below 2× the model with room for the
   * small JavaScript objects of a run), except for models of fewer than about 700
   * parameters, where the floor of MIN_CHUNK parameters per chunk applies.
   */
  readonly scratchBytes: number;
};

/**
 * Each read of the store is a syscall and a thread-pool round trip (as costly as copying
 * ~100 KiB), so chunks are large: 256 Ki parameters = 1 MiB reads; the memory budget
 * lowers it for smaller models.
 */
export const MAX_CHUNK = 262_144;
export const MIN_CHUNK = 64;
/** Scratch allowance, in models (the output is the other model of the 2× bound). */
export const SCRATCH_BUDGET = 0.75;
/** Reads in flight per chunk on the copying path (libuv runs 4 at a time by default). */
export const MAX_BATCH = 4;

const roundUp4 = (n: number): number => Math.ceil(n / 4) * 4;

function countOf(global: Float32Array | Weights): number {
  return global instanceof Float32Array ? global.length : global.reduce((n, layer) => n + layer.length, 0);
}

/** How weightedDeltaAverage will run these parameters (also what the bench reports). */
export function planWeightedDeltaAverage(parameters: WeightedDeltaAverageParameters): AggregationPlan {
  const parameterCount = countOf(parameters.global);
  const backend: AggregationBackend = parameters.backend === "js" || !kernelsAvailable() ? "js" : "wasm";
  const batchSize = Math.max(1, Math.min(parameters.results.length, MAX_BATCH));
  // Per chunk parameter: 16 bytes (acc 8, global 4, output 4) and 4 per buffer.
  // chunk · bytesPerParameter <= SCRATCH_BUDGET · P · 4 bounds the scratch.
  const bytesPerParameter = 16 + 4 * batchSize;
  const budget = Math.floor((SCRATCH_BUDGET * parameterCount * 4) / bytesPerParameter);
  // wasm buffers hold whole 4-lane groups: a multiple of 4 keeps them inside the budget.
  const planned = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, backend === "wasm" ? budget - (budget % 4) : budget));
  const chunkSize = Math.min(parameters.chunkSize ?? planned, Math.max(1, parameterCount));
  const lanes = backend === "wasm" ? roundUp4(chunkSize) : chunkSize;
  return { backend, chunkSize, batchSize, scratchBytes: lanes * bytesPerParameter };
}

function validate(parameters: WeightedDeltaAverageParameters): { parameterCount: number; total: number; segments: readonly Float32Array[] } {
  const { results, source, chunkSize } = parameters;
  const parameterCount = countOf(parameters.global);
  if (results.length === 0) throw new FedLedgerError("INTERNAL", "No updates to aggregate");
  const segments = globalSegments(parameters.global, source);
  if (parameters.output && parameters.output.length !== parameterCount) {
    throw new FedLedgerError("SHAPE_MISMATCH", "Output has the wrong size", {
      details: `expected ${parameterCount} values, got ${parameters.output.length}`,
    });
  }
  assertChunkSize(chunkSize);
  // Summed exactly: with every count at most MAX_NUM_SAMPLES the total is an exact binary64
  // integer for up to 2^21 updates; beyond that N would round, so it is refused.
  let total = 0n;
  for (const { numSamples, updateHash } of results) {
    if (!isValidSampleCount(numSamples)) {
      throw new FedLedgerError("INTERNAL", `Sample counts must be integers in [1, ${MAX_NUM_SAMPLES}]`, {
        details: `${updateHash}: ${numSamples}`,
      });
    }
    total += BigInt(numSamples);
  }
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new FedLedgerError("INTERNAL", "Total sample count exceeds 2^53", { details: `${total} over ${results.length} updates` });
  }
  return { parameterCount, total: Number(total), segments };
}

/** Throws NON_FINITE naming the first non-finite value of an output chunk starting at `start`. */
export function assertFiniteChunk(values: Float32Array, start: number): void {
  for (let k = 0; k < values.length; k++) {
    const v = values[k] as number;
    if (v - v !== 0) {
      throw new FedLedgerError("NON_FINITE", "Aggregated model holds a non-finite value", {
        details: `parameter ${start + k} is ${v}`,
      });
    }
  }
}

/**
 * FedAvg on deltas (see THE AGGREGATION ARITHMETIC above): returns the new global model,
 * flattened in layout order. Deterministic and bit-reproducible for the same inputs in the
 * same order, whatever the chunk size or backend. Extra memory: the output plus
 * `planWeightedDeltaAverage(...).scratchBytes`, at most 1.75× the model in all (above
 * ~700 parameters), whatever the number of updates. Throws NON_FINITE if a result overflows
 * float32.
 */
export async function weightedDeltaAverage(parameters: WeightedDeltaAverageParameters): Promise<Float32Array> {
  const { parameterCount, total, segments } = validate(parameters);
  const plan = planWeightedDeltaAverage(parameters);
  const out = parameters.output ?? new Float32Array(parameterCount);
  const counts = parameters.results.map((r) => r.numSamples);
  const run = { segments, counts, total, out, chunkSize: plan.chunkSize, maybeYield: yielder() };
  if (plan.backend === "wasm") await aggregateWasm(run, parameters, plan.batchSize);
  else await aggregateJs(run, parameters, plan.batchSize);
  return out;
}

type Run = {
  segments: readonly Float32Array[];
  counts: readonly number[];
  total: number;
  out: Float32Array;
  chunkSize: number;
  maybeYield: () => Promise<void> | undefined;
};

/** Divides, adds the global chunk, checks finiteness and writes the chunk out. */
async function finishChunk(
  arena: WasmArena,
  run: Run,
  at: { staged: number; g: number; acc: number; lanes: number; length: number; start: number },
): Promise<void> {
  const nonFinite = arena.kernel.finish(at.staged, at.g, at.acc, run.total, at.lanes);
  const chunk = arena.float32(at.staged, at.length);
  if (nonFinite) assertFiniteChunk(chunk, at.start); // the flag also covers padding lanes
  run.out.set(chunk, at.start);
  const pause = run.maybeYield();
  if (pause) await pause;
}

async function aggregateWasm(run: Run, parameters: WeightedDeltaAverageParameters, batchSize: number): Promise<void> {
  const { results, source } = parameters;
  const capacity = roundUp4(run.chunkSize);
  const bytes = capacity * (16 + 4 * batchSize);
  const arena = borrowArena("wasm", bytes);
  if (!arena) return aggregateJs(run, parameters, batchSize);
  const acc = arena.allocate(bytes);
  if (acc === undefined) throw new FedLedgerError("INTERNAL", "Could not allocate aggregation scratch", { details: `${bytes} bytes` });
  const g = acc + capacity * 8;
  const staged = g + capacity * 4;
  const buffer = (j: number): number => staged + capacity * 4 + j * capacity * 4;
  try {
    const P = run.out.length;
    for (let start = 0; start < P; start += run.chunkSize) {
      const length = Math.min(run.chunkSize, P - start);
      const lanes = roundUp4(length);
      gather(run.segments, start, arena.float32(g, length));
      for (let from = 0; from < results.length; from += batchSize) {
        const to = Math.min(results.length, from + batchSize);
        const reads: Promise<void>[] = [];
        for (let i = from; i < to; i++) {
          reads.push(source.read((results[i] as WeightedUpdate).updateHash, start, arena.float32(buffer(i - from), length)));
        }
        await allReads(reads);
        accumulateRows(arena.kernel, acc, { at: (i) => buffer(i - from), weight: (i) => run.counts[i] as number }, from, to, lanes, from === 0);
      }
      await finishChunk(arena, run, { staged, g, acc, lanes, length, start });
    }
  } finally {
    returnArena(arena);
  }
}

/** The scalar path: same operations, same order, in plain JavaScript. */
async function aggregateJs(run: Run, parameters: WeightedDeltaAverageParameters, batchSize: number): Promise<void> {
  const { results, source } = parameters;
  const { chunkSize, counts, total, out } = run;
  const buffers = Array.from({ length: batchSize }, () => new Float32Array(chunkSize));
  const acc = new Float64Array(chunkSize);
  const g = new Float32Array(chunkSize);
  const P = out.length;
  for (let start = 0; start < P; start += chunkSize) {
    const length = Math.min(chunkSize, P - start);
    gather(run.segments, start, g.subarray(0, length));
    for (let from = 0; from < results.length; from += batchSize) {
      const to = Math.min(results.length, from + batchSize);
      const reads: Promise<void>[] = [];
      for (let i = from; i < to; i++) {
        reads.push(source.read((results[i] as WeightedUpdate).updateHash, start, (buffers[i - from] as Float32Array).subarray(0, length)));
      }
      await allReads(reads);
      let i = from;
      if (i === 0) {
        const d = buffers[0] as Float32Array;
        const n = counts[0] as number;
        for (let k = 0; k < length; k++) acc[k] = 0 + n * (d[k] as number); // +0 start: see the arithmetic
        i = 1;
      }
      for (; i + 3 < to; i += 4) {
        const d0 = buffers[i - from] as Float32Array;
        const d1 = buffers[i + 1 - from] as Float32Array;
        const d2 = buffers[i + 2 - from] as Float32Array;
        const d3 = buffers[i + 3 - from] as Float32Array;
        const n0 = counts[i] as number;
        const n1 = counts[i + 1] as number;
        const n2 = counts[i + 2] as number;
        const n3 = counts[i + 3] as number;
        for (let k = 0; k < length; k++) {
          acc[k] = ((((acc[k] as number) + n0 * (d0[k] as number)) + n1 * (d1[k] as number)) + n2 * (d2[k] as number)) + n3 * (d3[k] as number);
        }
      }
      for (; i < to; i++) {
        const d = buffers[i - from] as Float32Array;
        const n = counts[i] as number;
        for (let k = 0; k < length; k++) acc[k] = (acc[k] as number) + n * (d[k] as number);
      }
    }
    for (let k = 0; k < length; k++) out[start + k] = Math.fround((g[k] as number) + (acc[k] as number) / total);
    assertFiniteChunk(out.subarray(start, start + length), start);
    const pause = run.maybeYield();
    if (pause) await pause;
  }
}
