import { describe, expect, it } from "vitest";
import { createWasmArena } from "./wasmArena.ts";
import { simdKernelAvailable, simdKernelModuleBytes } from "./wasmSimdKernel.ts";

describe("hand-assembled SIMD kernel", () => {
  it("is a valid module, identical on every build", () => {
    expect(simdKernelAvailable()).toBe(true);
    const bytes = simdKernelModuleBytes();
    expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect(Buffer.from(simdKernelModuleBytes()).equals(Buffer.from(bytes))).toBe(true);
  });

  it("computes each function's documented float64 expression lane by lane", () => {
    const arena = createWasmArena()!;
    const { init, acc: add, finish } = arena.kernel;
    const [init1, init2, init3, init4] = init;
    const [acc1, acc2, acc3, acc4] = add;
    const f32 = (values: number[]) => {
      const at = arena.allocate(values.length * 4)!;
      arena.float32(at, values.length).set(values);
      return at;
    };
    const acc = arena.allocate(8 * 8)!;
    const accView = () => new Float64Array(arena.float32(acc, 16).buffer, acc, 8);
    const d = [0.1, -0, 3, -4.5, 1e-40, 6, 7, -8].map(Math.fround);
    const e = [1, 2, 3, 4, 5, 6, 7, 8].map(Math.fround);
    const dp = f32(d);
    const ep = f32(e);
    init1!(acc, dp, 3, 8);
    expect([...accView()]).toEqual(d.map((x) => 0 + 3 * x));
    expect(Object.is(accView()[1], 0)).toBe(true); // 0 + (3 · -0) = +0
    acc1!(acc, ep, 7, 8);
    expect([...accView()]).toEqual(d.map((x, k) => 0 + 3 * x + 7 * e[k]!));
    init1!(acc, dp, 1, 8);
    acc4!(acc, dp, ep, dp, ep, 2, 3, 5, 11, 8);
    expect([...accView()]).toEqual(d.map((x, k) => (((0 + x + 2 * x) + 3 * e[k]!) + 5 * x) + 11 * e[k]!));
    init2!(acc, ep, dp, 3, 4, 8);
    acc3!(acc, dp, dp, ep, 5, 6, 7, 8);
    expect([...accView()]).toEqual(d.map((x, k) => ((((0 + 3 * e[k]!) + 4 * x) + 5 * x) + 6 * x) + 7 * e[k]!));
    init3!(acc, dp, ep, dp, 9, 8, 7, 8);
    acc2!(acc, ep, ep, 2, 3, 8);
    expect([...accView()]).toEqual(d.map((x, k) => ((((0 + 9 * x) + 8 * e[k]!) + 7 * x) + 2 * e[k]!) + 3 * e[k]!));
    init4!(acc, ep, dp, ep, dp, 1, 2, 3, 4, 8);
    expect([...accView()]).toEqual(d.map((x, k) => (((0 + e[k]!) + 2 * x) + 3 * e[k]!) + 4 * x));
    const g = f32([0.5, -0, 1, 2, 3, 4, 5, 6]);
    const out = f32(new Array<number>(8).fill(0));
    const before = [...accView()];
    expect(finish(out, g, acc, 7, 8)).toBe(0);
    const gv = [0.5, -0, 1, 2, 3, 4, 5, 6];
    expect([...arena.float32(out, 8)]).toEqual(before.map((a, k) => Math.fround(gv[k]! + a / 7)));
  });

  it("flags non-finite outputs", () => {
    const arena = createWasmArena()!;
    const { init, finish } = arena.kernel;
    const d = arena.allocate(16)!;
    arena.float32(d, 4).set([3e38, 1, 1, 1]);
    const g = arena.allocate(16)!;
    arena.float32(g, 4).set([3e38, 1, 1, 1]);
    const acc = arena.allocate(32)!;
    const out = arena.allocate(16)!;
    init[0]!(acc, d, 1, 4);
    expect(finish(out, g, acc, 1, 4)).toBe(1);
    expect(arena.float32(out, 4)[0]).toBe(Infinity);
    arena.float32(g, 4).set([1, 1, 1, 1]);
    expect(finish(out, g, acc, 1, 4)).toBe(0);
  });
});
