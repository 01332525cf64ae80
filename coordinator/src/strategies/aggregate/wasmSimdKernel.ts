// A hand-assembled WebAssembly SIMD module for the FedAvg weighted delta average.
//
// No toolchain is involved (none is installed, and nothing is downloaded): the module's
// bytes are produced below by a ~60-line encoder, function by function, so the whole
// program can be read here. Binary format: WebAssembly core spec 1.0 plus the fixed-width
// SIMD proposal (standard since 2021, on in every Node since 16.4).
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

/** The parts of the WebAssembly JS API used here (lib.dom is not in this project's lib). */
export type WasmMemory = { readonly buffer: ArrayBuffer; grow(deltaPages: number): number };
type WasmInstance = { readonly exports: Record<string, unknown> };
type WasmApi = {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
};

export const WASM_PAGE_BYTES = 65_536;

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

// --- encoder ----------------------------------------------------------------------------

function uleb(value: number): number[] {
  const out: number[] = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let n = value | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function vector(items: readonly (readonly number[])[]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: readonly number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  return vector([...new TextEncoder().encode(text)].map((b) => [b]));
}

// Value types.
const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

// Core instructions.
const localGet = (i: number): number[] => [0x20, ...uleb(i)];
const localSet = (i: number): number[] => [0x21, ...uleb(i)];
const i32Const = (v: number): number[] => [0x41, ...sleb(v)];
const I32_ADD = [0x6a];
const I32_SHL = [0x74];
const I32_GE_U = [0x4f];
const BLOCK = [0x02, 0x40]; // block with empty result type
const LOOP = [0x03, 0x40];
const brIf = (depth: number): number[] => [0x0d, ...uleb(depth)];
const br = (depth: number): number[] => [0x0c, ...uleb(depth)];
const END = [0x0b];

// SIMD instructions: prefix 0xfd, then the opcode as a u32 LEB128, then immediates.
// Memory immediates are (log2 alignment, byte offset).
const simd = (opcode: number, ...immediates: number[]): number[] => [0xfd, ...uleb(opcode), ...immediates];
const v128Load = (offset: number): number[] => simd(0x00, 4, ...uleb(offset));
const v128Store = (offset: number): number[] => simd(0x0b, 4, ...uleb(offset));
/** v128.load64_zero: two float32 into the low half, zeros above. */
const v128Load64Zero = (offset: number): number[] => simd(0x5d, 3, ...uleb(offset));
const i8x16Shuffle = (lanes: readonly number[]): number[] => simd(0x0d, ...lanes);
const F64X2_SPLAT = simd(0x14);
const F64X2_ADD = simd(0xf0);
const F64X2_MUL = simd(0xf2);
const F64X2_DIV = simd(0xf3);
const F64X2_PROMOTE_LOW_F32X4 = simd(0x5f);
const F32X4_DEMOTE_F64X2_ZERO = simd(0x5e);
const F32X4_ADD = simd(0xe4);
const F32X4_SUB = simd(0xe5);
const F32X4_NE = simd(0x42);
const V128_ANY_TRUE = simd(0x53);
const localTee = (i: number): number[] => [0x22, ...uleb(i)];
/** Bytes 0-7 of the first operand then bytes 0-7 of the second: joins two demoted halves. */
const JOIN_LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

type FunctionCode = { params: number[]; results: number[]; locals: [count: number, type: number][]; body: number[] };

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
  // end = acc + len * 8
  body.push(...localGet(acc), ...localGet(len), ...i32Const(3), ...I32_SHL, ...I32_ADD, ...localSet(end));
  body.push(...BLOCK, ...LOOP, ...localGet(acc), ...localGet(end), ...I32_GE_U, ...brIf(1));
  for (const half of [0, 1]) {
    body.push(...localGet(acc)); // store address
    body.push(...(init ? localGet(zero) : [...localGet(acc), ...v128Load(half * 16)]));
    for (let j = 0; j < m; j++) {
      body.push(...localGet(d(j)), ...v128Load64Zero(half * 8), ...F64X2_PROMOTE_LOW_F32X4, ...localGet(nv(j)), ...F64X2_MUL);
      body.push(...F64X2_ADD);
    }
    body.push(...v128Store(half * 16));
  }
  body.push(...localGet(acc), ...i32Const(32), ...I32_ADD, ...localSet(acc));
  for (let j = 0; j < m; j++) body.push(...localGet(d(j)), ...i32Const(16), ...I32_ADD, ...localSet(d(j)));
  body.push(...br(0), ...END, ...END);
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
  const body: number[] = [...localGet(total), ...F64X2_SPLAT, ...localSet(totalV)];
  body.push(...localGet(acc), ...localGet(len), ...i32Const(3), ...I32_SHL, ...I32_ADD, ...localSet(end));
  body.push(...BLOCK, ...LOOP, ...localGet(acc), ...localGet(end), ...I32_GE_U, ...brIf(1));
  body.push(...localGet(out));
  for (const half of [0, 1]) {
    body.push(...localGet(g), ...v128Load64Zero(half * 8), ...F64X2_PROMOTE_LOW_F32X4);
    body.push(...localGet(acc), ...v128Load(half * 16), ...localGet(totalV), ...F64X2_DIV, ...F64X2_ADD);
    body.push(...F32X4_DEMOTE_F64X2_ZERO);
  }
  body.push(...i8x16Shuffle(JOIN_LOW_HALVES), ...localTee(result), ...v128Store(0));
  body.push(...localGet(bad), ...localGet(result), ...localGet(result), ...F32X4_SUB, ...F32X4_ADD, ...localSet(bad));
  body.push(...localGet(out), ...i32Const(16), ...I32_ADD, ...localSet(out));
  body.push(...localGet(g), ...i32Const(16), ...I32_ADD, ...localSet(g));
  body.push(...localGet(acc), ...i32Const(32), ...I32_ADD, ...localSet(acc));
  body.push(...br(0), ...END, ...END);
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
  const types = FUNCTIONS.map(([, f]) => [0x60, ...vector(f.params.map((p) => [p])), ...vector(f.results.map((r) => [r]))]);
  const imports = [[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]];
  const functions = FUNCTIONS.map((_, i) => uleb(i));
  const exports = FUNCTIONS.map(([exportName], i) => [...name(exportName), 0x00, ...uleb(i)]);
  const codes = FUNCTIONS.map(([, f]) => {
    const code = [...vector(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.body, ...END];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(functions)),
    ...section(7, vector(exports)),
    ...section(10, vector(codes)),
  ]);
}

// --- instantiation ------------------------------------------------------------------------

const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | null | undefined;

function compiledModule(): object | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    const bytes = simdKernelModuleBytes();
    if (wasmApi?.validate(bytes)) compiled = new wasmApi.Module(bytes);
  } catch {
    compiled = null; // e.g. node --jitless: no WebAssembly at all
  }
  return compiled;
}

/** Whether WebAssembly with SIMD is usable in this process. */
export function simdKernelAvailable(): boolean {
  return compiledModule() !== null;
}

/** A fresh growable memory, or undefined without WebAssembly. */
export function createWasmMemory(initialPages: number): WasmMemory | undefined {
  if (!wasmApi || !simdKernelAvailable()) return undefined;
  return new wasmApi.Memory({ initial: initialPages });
}

function exported<T>(instance: WasmInstance, exportName: string): T {
  const value = instance.exports[exportName];
  if (typeof value !== "function") throw new TypeError(`wasm export ${exportName} is missing`);
  return value as T;
}

/** Instantiates the kernel over `memory`; undefined without WebAssembly SIMD. */
export function instantiateSimdKernel(memory: WasmMemory): SimdKernel | undefined {
  const module = compiledModule();
  if (module === null || !wasmApi) return undefined;
  const instance = new wasmApi.Instance(module, { env: { memory } });
  return {
    memory,
    init: STREAMS.map((m) => exported<Accumulate>(instance, `init${m}`)),
    acc: STREAMS.map((m) => exported<Accumulate>(instance, `acc${m}`)),
    finish: exported<Finish>(instance, "finish"),
  };
}
