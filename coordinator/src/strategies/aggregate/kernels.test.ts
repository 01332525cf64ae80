import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assembleWat } from "../../../../test/tools/wat.ts";
import { kernelsAvailable } from "./kernels.ts";
import { createWasmArena } from "./wasmArena.ts";

describe("aggregation kernels (kernels.wat)", () => {
  it("are the committed kernels.wasm: the text assembles to exactly those bytes", async () => {
    expect(kernelsAvailable()).toBe(true);
    const text = readFileSync(new URL("./kernels.wat", import.meta.url), "utf8");
    const committed = readFileSync(new URL("./kernels.wasm", import.meta.url));
    const assembled = await assembleWat("kernels.wat", text);
    expect(Buffer.from(assembled).equals(committed), "kernels.wasm is stale: run npm run build").toBe(true);
  });

  it("computes each function's documented float64 expression lane by lane", () => {
    const arena = createWasmArena()!;
    const { acc: add, finish } = arena.kernel;
    const [a1, a2, a3, a4] = add as ((...args: number[]) => void)[];
    // accM(...) continues from acc[k]; initM(...) starts from +0 (the init flag).
    const [acc1, acc2, acc3, acc4] = [a1, a2, a3, a4].map((f) => (...args: number[]) => f!(...args, 0));
    const [init1, init2, init3, init4] = [a1, a2, a3, a4].map((f) => (...args: number[]) => f!(...args, 1));
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
    const { acc: add, finish } = arena.kernel;
    const d = arena.allocate(16)!;
    arena.float32(d, 4).set([3e38, 1, 1, 1]);
    const g = arena.allocate(16)!;
    arena.float32(g, 4).set([3e38, 1, 1, 1]);
    const acc = arena.allocate(32)!;
    const out = arena.allocate(16)!;
    add[0]!(acc, d, 1, 4, 1);
    expect(finish(out, g, acc, 1, 4)).toBe(1);
    expect(arena.float32(out, 4)[0]).toBe(Infinity);
    arena.float32(g, 4).set([1, 1, 1, 1]);
    expect(finish(out, g, acc, 1, 4)).toBe(0);
  });

  it("network: each comparator leaves b < a ? b : a in row a and a < b ? b : a in row b, lane by lane", () => {
    const arena = createWasmArena()!;
    const kernel = arena.kernel;
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
    const kernel = arena.kernel;
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
