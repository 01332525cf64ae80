import { describe, expect, it } from "vitest";
import { robustKernelFor, robustKernelModuleBytes } from "./robustSimdKernel.ts";
import { createWasmArena } from "./wasmArena.ts";

describe("hand-assembled robust SIMD kernels", () => {
  it("are a valid module, identical on every build", () => {
    const bytes = robustKernelModuleBytes();
    expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect(Buffer.from(robustKernelModuleBytes()).equals(Buffer.from(bytes))).toBe(true);
    const arena = createWasmArena()!;
    expect(robustKernelFor(arena.kernel.memory)).toBeDefined();
  });

  it("network: each comparator leaves b < a ? b : a in row a and a < b ? b : a in row b, lane by lane", () => {
    const arena = createWasmArena()!;
    const kernel = robustKernelFor(arena.kernel.memory)!;
    const lanes = 16;
    const rows = arena.allocate(3 * lanes * 4)!;
    const a = [3, -1, 0, -0, 5, 5, -2.5, 1e-40, 7, 0, -0, 1, 2, 3, 4, 1e38];
    const b = [1, -2, -0, 0, 5, 6, -2.5, -1e-40, -7, 0, -0, 2, 1, 4, 3, -1e38];
    const c = [0, 0, 0, 0, 9, 9, 9, 9, -9, -9, -9, -9, 1, 1, 1, 1];
    arena.float32(rows, 3 * lanes).set([...a, ...b, ...c]);
    const pairs = arena.allocate(16)!;
    new Int32Array(arena.kernel.memory.buffer, pairs, 4).set([0, lanes * 4, lanes * 4, 2 * lanes * 4]); // (a, b) then (b, c)
    kernel.network(rows, pairs, 2, lanes * 4);
    const expected = [a.map(Math.fround), b.map(Math.fround), c.map(Math.fround)];
    for (const [i, j] of [[0, 1], [1, 2]] as const) {
      for (let k = 0; k < lanes; k++) {
        const x = expected[i]![k]!;
        const y = expected[j]![k]!;
        expected[i]![k] = y < x ? y : x;
        expected[j]![k] = x < y ? y : x;
      }
    }
    const got = arena.float32(rows, 3 * lanes);
    for (let r = 0; r < 3; r++) {
      for (let k = 0; k < lanes; k++) expect(Object.is(got[r * lanes + k], expected[r]![k])).toBe(true);
    }
  });

  it("gram4x2: adds a_r[k]·b_s[k] to lane k mod 2 of accumulator (r, s), continuing from what is there", () => {
    const arena = createWasmArena()!;
    const kernel = robustKernelFor(arena.kernel.memory)!;
    const length = 6;
    const rowAt = Array.from({ length: 6 }, () => arena.allocate(length * 8)!);
    const rows = rowAt.map((at, r) => {
      const view = new Float64Array(arena.kernel.memory.buffer, at, length);
      view.set(Array.from({ length }, (_, k) => Math.fround((r + 1) * (k - 2.5) * 0.3)));
      return [...view];
    });
    const acc = arena.allocate(4 * 3 * 16)!; // 4 rows of 3 accumulators: the tile uses the first 2 of each
    const accView = () => new Float64Array(arena.kernel.memory.buffer, acc, 4 * 3 * 2);
    accView().set(Array.from({ length: 24 }, (_, i) => i * 0.125));
    const before = [...accView()];
    kernel.gram4x2(rowAt[0]!, rowAt[1]!, rowAt[2]!, rowAt[3]!, rowAt[4]!, rowAt[5]!, acc, 3 * 16, length * 8);
    const after = accView();
    for (let r = 0; r < 4; r++) {
      for (let s = 0; s < 3; s++) {
        for (let lane = 0; lane < 2; lane++) {
          const at = (r * 3 + s) * 2 + lane;
          let expected = before[at]!;
          if (s < 2) for (let k = lane; k < length; k += 2) expected += rows[r]![k]! * rows[4 + s]![k]!;
          expect(after[at]).toBe(expected);
        }
      }
    }
  });
});
