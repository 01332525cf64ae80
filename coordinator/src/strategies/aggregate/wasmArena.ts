import { createWasmMemory, instantiateKernels, type Kernels, kernelsAvailable, WASM_PAGE_BYTES } from "./kernels.ts";

/**
 * A bump allocator over one WebAssembly memory, with the kernels instantiated over it:
 * their operands live there. Memory only grows; drop the arena to free it.
 */
export type WasmArena = {
  readonly kernel: Kernels;
  /** Bytes handed out so far. */
  readonly used: number;
  /**
   * Reserves `byteLength` bytes (16-byte aligned; zero when fresh, stale after reset())
   * and returns their byte offset, or undefined if the memory cannot grow that far
   * (wasm32: 4 GiB).
   */
  allocate(byteLength: number): number | undefined;
  /** A fresh view (views are detached whenever the memory grows). */
  float32(byteOffset: number, length: number): Float32Array;
  /** Forgets every allocation (for arenas private to one user). */
  reset(): void;
};

/** The highest address an arena hands out: below 2^32 - 64 KiB, so i32 end pointers never wrap. */
const MAX_ARENA_BYTES = 2 ** 32 - WASM_PAGE_BYTES;

/** A new arena, or undefined where WebAssembly SIMD is unavailable. */
export function createWasmArena(initialBytes = WASM_PAGE_BYTES): WasmArena | undefined {
  const memory = createWasmMemory(Math.max(1, Math.ceil(initialBytes / WASM_PAGE_BYTES)));
  if (!memory) return undefined;
  const kernel = instantiateKernels(memory);
  if (!kernel) return undefined;
  let used = 0;
  return {
    kernel,
    get used() {
      return used;
    },
    allocate(byteLength) {
      const offset = Math.ceil(used / 16) * 16;
      const end = offset + byteLength;
      if (!Number.isSafeInteger(byteLength) || byteLength < 0 || end > MAX_ARENA_BYTES) return undefined;
      const have = memory.buffer.byteLength;
      if (end > have) {
        try {
          memory.grow(Math.ceil((end - have) / WASM_PAGE_BYTES));
        } catch {
          return undefined; // RangeError: the engine refused to grow
        }
      }
      used = end;
      return offset;
    },
    float32: (byteOffset, length) => new Float32Array(memory.buffer, byteOffset, length),
    reset() {
      used = 0;
    },
  };
}

// Private arenas, reused across calls (one per concurrent run).
const idleArenas: WasmArena[] = [];
const MAX_IDLE_ARENAS = 2;

/** A private arena for one run (reset), or undefined without WebAssembly SIMD or with backend "js". */
export function borrowArena(backend: "wasm" | "js" | undefined, bytes: number): WasmArena | undefined {
  if (backend === "js" || !kernelsAvailable()) return undefined;
  const arena = idleArenas.pop() ?? createWasmArena(bytes);
  arena?.reset();
  return arena;
}

/** Hands a borrowed arena back for reuse. */
export function returnArena(arena: WasmArena | undefined): void {
  if (arena && idleArenas.length < MAX_IDLE_ARENAS) idleArenas.push(arena);
}
