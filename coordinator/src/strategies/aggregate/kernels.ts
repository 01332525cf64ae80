// The aggregation kernels: kernels.wat (the source, where each function is documented),
// assembled into kernels.wasm by `npm run build`, loaded here and instantiated over a
// growable memory that the callers lay out (see wasmArena.ts).
import { readFileSync } from "node:fs";

/** The parts of the WebAssembly JS API used here (lib.dom is not in this project's lib). */
export type WasmMemory = { readonly buffer: ArrayBuffer; grow(deltaPages: number): number };
type WasmApi = {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
};

export const WASM_PAGE_BYTES = 65_536;
/** Update streams one accumulation pass takes at most (acc1..acc4). */
export const MAX_STREAMS = 4;
/** Bytes per inner iteration of `network`: row lengths are multiples of this. */
export const NETWORK_STEP_BYTES = 32;

/** accM(acc, d_0..d_{M-1}, n_0..n_{M-1}, len, init): 2M + 3 numbers. */
type Accumulate = (acc: number, ...streamsCountsLengthAndInit: number[]) => void;

/** The kernels bound to one memory. */
export type Kernels = {
  readonly memory: WasmMemory;
  /** acc[M - 1] is accM (M = 1..MAX_STREAMS). */
  readonly acc: readonly Accumulate[];
  readonly finish: (out: number, g: number, acc: number, total: number, len: number) => number;
  readonly network: (base: number, pairs: number, count: number, bytes: number) => void;
  readonly gram4x2: (a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, acc: number, accStride: number, bytes: number) => void;
};

const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | null | undefined;

/** The compiled module (once); null where WebAssembly or its SIMD is unavailable. */
function compiledModule(): object | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    const bytes = readFileSync(new URL("./kernels.wasm", import.meta.url));
    if (wasmApi?.validate(bytes)) compiled = new wasmApi.Module(bytes);
  } catch {
    compiled = null; // e.g. node --jitless: no WebAssembly at all
  }
  return compiled;
}

/** Whether the kernels can run in this process. */
export function kernelsAvailable(): boolean {
  return compiledModule() !== null;
}

/** A fresh growable memory, or undefined without the kernels. */
export function createWasmMemory(initialPages: number): WasmMemory | undefined {
  return wasmApi && kernelsAvailable() ? new wasmApi.Memory({ initial: initialPages }) : undefined;
}

/** Instantiates the kernels over `memory`; undefined without WebAssembly SIMD. */
export function instantiateKernels(memory: WasmMemory): Kernels | undefined {
  const module = compiledModule();
  if (!wasmApi || module === null) return undefined;
  const { exports } = new wasmApi.Instance(module, { env: { memory } });
  const exported = <T>(name: string): T => {
    const value = exports[name];
    if (typeof value !== "function") throw new TypeError(`wasm export ${name} is missing`);
    return value as T;
  };
  return {
    memory,
    acc: Array.from({ length: MAX_STREAMS }, (_, i) => exported<Accumulate>(`acc${i + 1}`)),
    finish: exported("finish"),
    network: exported("network"),
    gram4x2: exported("gram4x2"),
  };
}

/**
 * acc[k] = (((a + w(from)·row(from)[k]) + ...) + w(to - 1)·row(to - 1)[k]) over `lanes`
 * float lanes (a multiple of 4), with a = +0 when `init`, else acc[k]: rows [from, to)
 * at byte offsets `at(i)`, in passes of up to MAX_STREAMS rows.
 */
export function accumulateRows(
  kernels: Kernels,
  acc: number,
  rows: { at: (i: number) => number; weight: (i: number) => number },
  from: number,
  to: number,
  lanes: number,
  init: boolean,
): void {
  const { at, weight: w } = rows;
  for (let i = from; i < to; ) {
    const m = Math.min(MAX_STREAMS, to - i);
    const fn = kernels.acc[m - 1] as Accumulate;
    const first = init && i === from ? 1 : 0;
    if (m === 4) fn(acc, at(i), at(i + 1), at(i + 2), at(i + 3), w(i), w(i + 1), w(i + 2), w(i + 3), lanes, first);
    else if (m === 3) fn(acc, at(i), at(i + 1), at(i + 2), w(i), w(i + 1), w(i + 2), lanes, first);
    else if (m === 2) fn(acc, at(i), at(i + 1), w(i), w(i + 1), lanes, first);
    else fn(acc, at(i), w(i), lanes, first);
    i += m;
  }
}
