// A small WebAssembly binary encoder for the hand-assembled SIMD kernels of this folder
// (no toolchain is installed, and nothing is downloaded), and the instantiation plumbing
// they share. Binary format: WebAssembly core spec 1.0 plus the fixed-width SIMD proposal
// (standard since 2021, on in every Node since 16.4).

/** The parts of the WebAssembly JS API used here (lib.dom is not in this project's lib). */
export type WasmMemory = { readonly buffer: ArrayBuffer; grow(deltaPages: number): number };
export type WasmInstance = { readonly exports: Record<string, unknown> };
type WasmApi = {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
};

export const WASM_PAGE_BYTES = 65_536;

// --- encoder ----------------------------------------------------------------------------

export function uleb(value: number): number[] {
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

export function sleb(value: number): number[] {
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
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

// Core instructions.
export const localGet = (i: number): number[] => [0x20, ...uleb(i)];
export const localSet = (i: number): number[] => [0x21, ...uleb(i)];
export const localTee = (i: number): number[] => [0x22, ...uleb(i)];
export const i32Const = (v: number): number[] => [0x41, ...sleb(v)];
/** i32.load with (log2 alignment 2, byte offset). */
export const i32Load = (offset: number): number[] => [0x28, 2, ...uleb(offset)];
/** f64.store with (log2 alignment 3, byte offset). */
export const f64Store = (offset: number): number[] => [0x39, 3, ...uleb(offset)];
export const I32_ADD = [0x6a];
export const I32_SUB = [0x6b];
export const I32_SHL = [0x74];
export const I32_GE_U = [0x4f];
export const I32_EQZ = [0x45];
export const BLOCK = [0x02, 0x40]; // block with empty result type
export const LOOP = [0x03, 0x40];
export const brIf = (depth: number): number[] => [0x0d, ...uleb(depth)];
export const br = (depth: number): number[] => [0x0c, ...uleb(depth)];
export const END = [0x0b];

// Pointer arithmetic and loops on i32 locals, as every kernel here writes them.
/** local `end` = local `start` + local `count` · 8: the end of `count` 8-byte items. */
export const setEndOfEights = (end: number, start: number, count: number): number[] =>
  [...localGet(start), ...localGet(count), ...i32Const(3), ...I32_SHL, ...I32_ADD, ...localSet(end)];
/** local `pointer` += `bytes`. */
export const advance = (pointer: number, bytes: number): number[] => [...localGet(pointer), ...i32Const(bytes), ...I32_ADD, ...localSet(pointer)];
/** Runs `body` while local `cursor` is below local `end` (unsigned); `body` advances `cursor`. */
export const loopWhileBelow = (cursor: number, end: number, body: readonly number[]): number[] =>
  [...BLOCK, ...LOOP, ...localGet(cursor), ...localGet(end), ...I32_GE_U, ...brIf(1), ...body, ...br(0), ...END, ...END];

// SIMD instructions: prefix 0xfd, then the opcode as a u32 LEB128, then immediates.
// Memory immediates are (log2 alignment, byte offset).
const simd = (opcode: number, ...immediates: number[]): number[] => [0xfd, ...uleb(opcode), ...immediates];
export const v128Load = (offset: number): number[] => simd(0x00, 4, ...uleb(offset));
export const v128Store = (offset: number): number[] => simd(0x0b, 4, ...uleb(offset));
/** v128.load64_zero: two float32 into the low half, zeros above. */
export const v128Load64Zero = (offset: number): number[] => simd(0x5d, 3, ...uleb(offset));
export const i8x16Shuffle = (lanes: readonly number[]): number[] => simd(0x0d, ...lanes);
export const F64X2_SPLAT = simd(0x14);
export const F64X2_EXTRACT_LANE_0 = simd(0x21, 0);
export const F64X2_EXTRACT_LANE_1 = simd(0x21, 1);
export const F64X2_ADD = simd(0xf0);
export const F64X2_MUL = simd(0xf2);
export const F64X2_DIV = simd(0xf3);
export const F64X2_PROMOTE_LOW_F32X4 = simd(0x5f);
export const F32X4_DEMOTE_F64X2_ZERO = simd(0x5e);
export const F32X4_ADD = simd(0xe4);
export const F32X4_SUB = simd(0xe5);
/** Pseudo-minimum b < a ? b : a and pseudo-maximum a < b ? b : a (one x86 instruction each). */
export const F32X4_PMIN = simd(0xea);
export const F32X4_PMAX = simd(0xeb);
export const F32X4_NE = simd(0x42);
export const V128_ANY_TRUE = simd(0x53);
/** Bytes 0-7 of the first operand then bytes 0-7 of the second: joins two demoted halves. */
export const JOIN_LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

export type FunctionCode = { params: number[]; results: number[]; locals: [count: number, type: number][]; body: number[] };

/** A module that imports memory "env"."memory" (no maximum) and exports `functions` by name. */
export function moduleBytes(functions: readonly (readonly [string, FunctionCode])[]): Uint8Array {
  const types = functions.map(([, f]) => [0x60, ...vector(f.params.map((p) => [p])), ...vector(f.results.map((r) => [r]))]);
  const imports = [[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]];
  const indices = functions.map((_, i) => uleb(i));
  const exports = functions.map(([exportName], i) => [...name(exportName), 0x00, ...uleb(i)]);
  const codes = functions.map(([, f]) => {
    const code = [...vector(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.body, ...END];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(indices)),
    ...section(7, vector(exports)),
    ...section(10, vector(codes)),
  ]);
}

// --- instantiation ------------------------------------------------------------------------

const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Compiles `bytes` once (lazily); null where WebAssembly or its SIMD is unavailable. */
export function lazyModule(bytes: () => Uint8Array): () => object | null {
  let compiled: object | null | undefined;
  return () => {
    if (compiled !== undefined) return compiled;
    compiled = null;
    try {
      const code = bytes();
      if (wasmApi?.validate(code)) compiled = new wasmApi.Module(code);
    } catch {
      compiled = null; // e.g. node --jitless: no WebAssembly at all
    }
    return compiled;
  };
}

/** A fresh growable memory, or undefined without WebAssembly. */
export function newWasmMemory(initialPages: number): WasmMemory | undefined {
  return wasmApi ? new wasmApi.Memory({ initial: initialPages }) : undefined;
}

/** Instantiates a compiled module over `memory`. */
export function instantiate(module: object, memory: WasmMemory): WasmInstance | undefined {
  return wasmApi ? new wasmApi.Instance(module, { env: { memory } }) : undefined;
}

export function exported<T>(instance: WasmInstance, exportName: string): T {
  const value = instance.exports[exportName];
  if (typeof value !== "function") throw new TypeError(`wasm export ${exportName} is missing`);
  return value as T;
}
