// A hand-assembled WebAssembly SIMD module for the FedAvg weighted delta average.
//
// No toolchain is involved (none is installed, and nothing is downloaded): the module's
// bytes are produced below, function by function, with the small encoder of wasmModule.ts,
// so the whole program can be read here.
//
// Every function computes, lane by lane, exactly the float64 operations the scalar
// reference computes (see weightedDeltaAverage.ts): f64x2.promote_low_f32x4 is the exact
// float32 -> float64 widening, f64x2.mul / f64x2.add / f64x2.div are correctly rounded
// IEEE-754 binary64 operations (never fused: plain wasm SIMD has no FMA), and
// f32x4.demote_f64x2_zero rounds to nearest-even exactly like Math.fround. So the SIMD
// path and the scalar JavaScript path produce the same bits.
//
// Memory layout is the caller's: every pointer argument is a byte offset into the one
// imported memory; `len` is a number of float lanes and must be a multiple of 4 (callers
// round up and size their buffers accordingly; the extra lanes are ignored).
//
//   accM(acc, d0..dM-1, n0..nM-1, len)   acc[k] = ((acc[k] + n0*d0[k]) + n1*d1[k]) ... + nM-1*dM-1[k]
//   initM(acc, d0..dM-1, n0..nM-1, len)  the same with +0 in place of acc[k] (see below)
//                                        (M = 1..4: one pass over acc for up to 4 updates)
//   finish(out, g, acc, total, len)      out[k] = f32(g[k] + acc[k] / total);
//                                            returns 1 if any out[k] (padding lanes
//                                            included) is not finite, else 0
//
// acc is float64[], d, g and out are float32[], n and total are float64 scalars. initM
// really adds the first product to +0, as the reference loop `acc = 0; acc += ...` does:
// that turns a -0 product into +0, which can decide the sign of a zero in the output.

import {
  advance,
  exported,
  F32X4_ADD,
  F32X4_DEMOTE_F64X2_ZERO,
  F32X4_NE,
  F32X4_SUB,
  F64,
  F64X2_ADD,
  F64X2_DIV,
  F64X2_MUL,
  F64X2_PROMOTE_LOW_F32X4,
  F64X2_SPLAT,
  type FunctionCode,
  I32,
  i8x16Shuffle,
  instantiate,
  JOIN_LOW_HALVES,
  lazyModule,
  localGet,
  localSet,
  localTee,
  loopWhileBelow,
  moduleBytes,
  newWasmMemory,
  setEndOfEights,
  V128,
  V128_ANY_TRUE,
  v128Load,
  v128Load64Zero,
  v128Store,
  type WasmMemory,
} from "./wasmModule.ts";

export { WASM_PAGE_BYTES, type WasmMemory } from "./wasmModule.ts";

/** (acc, d_0..d_{M-1}, n_0..n_{M-1}, len): 2M + 2 numbers. */
type Accumulate = (acc: number, ...streamsCountsAndLength: number[]) => void;
type Finish = (out: number, g: number, acc: number, total: number, len: number) => number;

/** The kernel bound to one memory. */
export type SimdKernel = {
  readonly memory: WasmMemory;
  /** init[M - 1] is initM (M = 1..4). */
  readonly init: readonly Accumulate[];
  /** acc[M - 1] is accM (M = 1..4). */
  readonly acc: readonly Accumulate[];
  readonly finish: Finish;
};

/**
 * acc[k] = ((acc[k] + n0*d0[k]) + ...) + n(m-1)*d(m-1)[k] for m update streams; with
 * `init`, +0 stands for acc[k] (an unwritten v128 local is all zero bits = +0.0, +0.0).
 * Four lanes per iteration: two f64x2 halves, each fed by a 64-bit load of two float32
 * from every stream.
 */
function accumulate(m: number, init: boolean): FunctionCode {
  // params: acc, d_0..d_{m-1} (i32), n_0..n_{m-1} (f64), len (i32); locals: end, nv_j (v128)
  const acc = 0;
  const d = (j: number): number => 1 + j;
  const n = (j: number): number => 1 + m + j;
  const len = 1 + 2 * m;
  const end = len + 1;
  const nv = (j: number): number => len + 2 + j;
  const zero = len + 2 + m;
  const body: number[] = [];
  for (let j = 0; j < m; j++) body.push(...localGet(n(j)), ...F64X2_SPLAT, ...localSet(nv(j)));
  const step: number[] = [];
  for (const half of [0, 1]) {
    step.push(...localGet(acc)); // store address
    step.push(...(init ? localGet(zero) : [...localGet(acc), ...v128Load(half * 16)]));
    for (let j = 0; j < m; j++) {
      step.push(...localGet(d(j)), ...v128Load64Zero(half * 8), ...F64X2_PROMOTE_LOW_F32X4, ...localGet(nv(j)), ...F64X2_MUL);
      step.push(...F64X2_ADD);
    }
    step.push(...v128Store(half * 16));
  }
  step.push(...advance(acc, 32));
  for (let j = 0; j < m; j++) step.push(...advance(d(j), 16));
  body.push(...setEndOfEights(end, acc, len), ...loopWhileBelow(acc, end, step));
  return {
    params: [I32, ...Array<number>(m).fill(I32), ...Array<number>(m).fill(F64), I32],
    results: [],
    locals: [
      [1, I32],
      [m + 1, V128],
    ],
    body,
  };
}

/**
 * out[k] = demote(promote(g[k]) + acc[k] / total), four lanes per iteration. Also sums
 * out - out over all lanes (0 for a finite value, NaN otherwise) and returns whether that
 * sum is NaN, i.e. whether any output lane is not finite.
 */
function finish(): FunctionCode {
  const [out, g, acc, total, len, end, totalV, result, bad] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const step: number[] = [...localGet(out)];
  for (const half of [0, 1]) {
    step.push(...localGet(g), ...v128Load64Zero(half * 8), ...F64X2_PROMOTE_LOW_F32X4);
    step.push(...localGet(acc), ...v128Load(half * 16), ...localGet(totalV), ...F64X2_DIV, ...F64X2_ADD);
    step.push(...F32X4_DEMOTE_F64X2_ZERO);
  }
  step.push(...i8x16Shuffle(JOIN_LOW_HALVES), ...localTee(result), ...v128Store(0));
  step.push(...localGet(bad), ...localGet(result), ...localGet(result), ...F32X4_SUB, ...F32X4_ADD, ...localSet(bad));
  step.push(...advance(out, 16), ...advance(g, 16), ...advance(acc, 32));
  const body: number[] = [...localGet(total), ...F64X2_SPLAT, ...localSet(totalV)];
  body.push(...setEndOfEights(end, acc, len), ...loopWhileBelow(acc, end, step));
  body.push(...localGet(bad), ...localGet(bad), ...F32X4_NE, ...V128_ANY_TRUE);
  return {
    params: [I32, I32, I32, F64, I32],
    results: [I32],
    locals: [
      [1, I32],
      [3, V128],
    ],
    body,
  };
}

export const MAX_STREAMS = 4;
const STREAMS = Array.from({ length: MAX_STREAMS }, (_, i) => i + 1);

const FUNCTIONS: readonly [string, FunctionCode][] = [
  ...STREAMS.map((m): [string, FunctionCode] => [`init${m}`, accumulate(m, true)]),
  ...STREAMS.map((m): [string, FunctionCode] => [`acc${m}`, accumulate(m, false)]),
  ["finish", finish()],
];

/** The module: imports memory "env"."memory" (no maximum), exports the nine functions. */
export function simdKernelModuleBytes(): Uint8Array {
  return moduleBytes(FUNCTIONS);
}

// --- instantiation ------------------------------------------------------------------------

const compiledModule = lazyModule(simdKernelModuleBytes);

/** Whether WebAssembly with SIMD is usable in this process. */
export function simdKernelAvailable(): boolean {
  return compiledModule() !== null;
}

/** A fresh growable memory, or undefined without WebAssembly. */
export function createWasmMemory(initialPages: number): WasmMemory | undefined {
  return simdKernelAvailable() ? newWasmMemory(initialPages) : undefined;
}

/** Instantiates the kernel over `memory`; undefined without WebAssembly SIMD. */
export function instantiateSimdKernel(memory: WasmMemory): SimdKernel | undefined {
  const module = compiledModule();
  const instance = module === null ? undefined : instantiate(module, memory);
  if (!instance) return undefined;
  return {
    memory,
    init: STREAMS.map((m) => exported<Accumulate>(instance, `init${m}`)),
    acc: STREAMS.map((m) => exported<Accumulate>(instance, `acc${m}`)),
    finish: exported<Finish>(instance, "finish"),
  };
}
