// Hand-assembled WebAssembly SIMD functions for the robust strategies (encoder:
// wasmModule.ts). Both work on blocks of "rows": one row per update, each holding the same
// run of coordinates, at byte offsets the caller chooses. Lanes are coordinates, so every
// operation is the same for all four (or two) lanes and no lane depends on another.
//
//   network(base, pairs, count, bytes)
//       for each of `count` comparators (i32 byte offsets a, b at pairs + 8c, relative to
//       base), in order: rows a and b over `bytes` bytes (float32 lanes, multiple of 32)
//       become b < a ? b : a and a < b ? b : a lane by lane (f32x4.pmin and f32x4.pmax,
//       one x86 instruction each): the minimum and maximum of finite values, except that
//       a pair of zeros of opposite signs becomes two copies of a's zero. A sorting
//       network applied to all lanes at once.
//
//   gram4x2(a0, a1, a2, a3, b0, b1, acc, accStride, bytes)
//       for float64 rows a_r, b_s over `bytes` bytes (multiple of 16) and float64x2
//       accumulators at acc + r·accStride + s·16: acc_rs += a_r[k]·b_s[k], lane by lane,
//       k ascending; lane 0 takes the even coordinates, lane 1 the odd ones. Loaded at the
//       start and stored at the end, so running it chunk by chunk (chunks of even length)
//       performs the same additions in the same order as one run over everything.
import {
  advance,
  exported,
  F32X4_PMAX,
  F32X4_PMIN,
  F64X2_ADD,
  F64X2_MUL,
  type FunctionCode,
  I32,
  I32_ADD,
  i32Load,
  instantiate,
  lazyModule,
  localGet,
  localSet,
  loopWhileBelow,
  moduleBytes,
  setEndOfEights,
  V128,
  v128Load,
  v128Store,
  type WasmMemory,
} from "./wasmModule.ts";

type Network = (base: number, pairs: number, count: number, bytes: number) => void;
type Gram4x2 = (a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, acc: number, accStride: number, bytes: number) => void;

export type RobustKernel = { readonly network: Network; readonly gram4x2: Gram4x2 };

/** Bytes per inner iteration of `network`: row lengths are multiples of this. */
export const NETWORK_STEP_BYTES = 32;

function network(): FunctionCode {
  const [base, pairs, count, bytes, end, a, b, rowEnd, va, vb] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const compareRows: number[] = [];
  for (const offset of [0, 16]) {
    compareRows.push(...localGet(a), ...v128Load(offset), ...localSet(va));
    compareRows.push(...localGet(b), ...v128Load(offset), ...localSet(vb));
    compareRows.push(...localGet(a), ...localGet(va), ...localGet(vb), ...F32X4_PMIN, ...v128Store(offset));
    compareRows.push(...localGet(b), ...localGet(va), ...localGet(vb), ...F32X4_PMAX, ...v128Store(offset));
  }
  compareRows.push(...advance(a, NETWORK_STEP_BYTES), ...advance(b, NETWORK_STEP_BYTES));
  const eachPair: number[] = [];
  eachPair.push(...localGet(base), ...localGet(pairs), ...i32Load(0), ...I32_ADD, ...localSet(a));
  eachPair.push(...localGet(base), ...localGet(pairs), ...i32Load(4), ...I32_ADD, ...localSet(b));
  eachPair.push(...localGet(a), ...localGet(bytes), ...I32_ADD, ...localSet(rowEnd));
  eachPair.push(...loopWhileBelow(a, rowEnd, compareRows), ...advance(pairs, 8));
  const body = [...setEndOfEights(end, pairs, count), ...loopWhileBelow(pairs, end, eachPair)];
  return {
    params: [I32, I32, I32, I32],
    results: [],
    locals: [
      [4, I32],
      [2, V128],
    ],
    body,
  };
}

function gram4x2(): FunctionCode {
  const a = (r: number): number => r;
  const b = (s: number): number => 4 + s;
  const [acc, accStride, bytes, end, p] = [6, 7, 8, 9, 10];
  const sum = (r: number, s: number): number => 11 + r * 2 + s;
  const x = (r: number): number => 19 + r;
  const y = 23;
  const body: number[] = [];
  const eachAccumulator = (visit: (r: number, s: number) => number[]): void => {
    body.push(...localGet(acc), ...localSet(p));
    for (let r = 0; r < 4; r++) {
      for (let s = 0; s < 2; s++) body.push(...visit(r, s));
      body.push(...localGet(p), ...localGet(accStride), ...I32_ADD, ...localSet(p));
    }
  };
  eachAccumulator((r, s) => [...localGet(p), ...v128Load(s * 16), ...localSet(sum(r, s))]);
  body.push(...localGet(a(0)), ...localGet(bytes), ...I32_ADD, ...localSet(end));
  const step: number[] = [];
  for (let r = 0; r < 4; r++) step.push(...localGet(a(r)), ...v128Load(0), ...localSet(x(r)));
  for (let s = 0; s < 2; s++) {
    step.push(...localGet(b(s)), ...v128Load(0), ...localSet(y));
    for (let r = 0; r < 4; r++) {
      step.push(...localGet(sum(r, s)), ...localGet(x(r)), ...localGet(y), ...F64X2_MUL, ...F64X2_ADD, ...localSet(sum(r, s)));
    }
  }
  for (let r = 0; r < 4; r++) step.push(...advance(a(r), 16));
  for (let s = 0; s < 2; s++) step.push(...advance(b(s), 16));
  body.push(...loopWhileBelow(a(0), end, step));
  eachAccumulator((r, s) => [...localGet(p), ...localGet(sum(r, s)), ...v128Store(s * 16)]);
  return {
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [
      [2, I32],
      [13, V128],
    ],
    body,
  };
}

const FUNCTIONS: readonly [string, FunctionCode][] = [
  ["network", network()],
  ["gram4x2", gram4x2()],
];

export function robustKernelModuleBytes(): Uint8Array {
  return moduleBytes(FUNCTIONS);
}

const compiledModule = lazyModule(robustKernelModuleBytes);

const instances = new WeakMap<WasmMemory, RobustKernel>();

/** The functions bound to `memory` (one instance per memory); undefined without WebAssembly SIMD. */
export function robustKernelFor(memory: WasmMemory): RobustKernel | undefined {
  const known = instances.get(memory);
  if (known) return known;
  const module = compiledModule();
  const instance = module === null ? undefined : instantiate(module, memory);
  if (!instance) return undefined;
  const kernel = {
    network: exported<Network>(instance, "network"),
    gram4x2: exported<Gram4x2>(instance, "gram4x2"),
  };
  instances.set(memory, kernel);
  return kernel;
}
