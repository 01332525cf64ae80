import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { createMemoryUpdateSource } from "./updateSources.ts";
import { errorCodeOf } from "../../../test/fixtures/errorCode.ts";

const hashOf = (i: number): Hex => `0x${i.toString(16).padStart(64, "0")}`;
const ramp = (n: number, seed: number) => Float32Array.from({ length: n }, (_, k) => seed + k * 0.25);

describe("memory update source", () => {
  it("reads back any slice of what was added", async () => {
    const source = createMemoryUpdateSource(10);
    const flat = ramp(10, 1);
    source.add(hashOf(1), flat);
    expect(source.parameterCount).toBe(10);
    expect(source.size).toBe(1);
    const into = new Float32Array(4);
    await source.read(hashOf(1), 3, into);
    expect([...into]).toEqual([...flat.subarray(3, 7)]);
    await source.read(hashOf(1), 10, new Float32Array(0));
  });

  it("keeps a copy, is idempotent per hash, and keys hashes case-insensitively", async () => {
    const source = createMemoryUpdateSource(3);
    const flat = Float32Array.from([1, 2, 3]);
    source.add(hashOf(0xab), flat);
    flat[0] = 99;
    source.add(`0x${"0".repeat(62)}AB`, Float32Array.from([7, 7, 7]));
    const into = new Float32Array(3);
    await source.read(hashOf(0xab), 0, into);
    expect([...into]).toEqual([1, 2, 3]);
    expect(source.size).toBe(1);
    expect(source.has(`0x${"0".repeat(62)}AB`)).toBe(true);
  });

  it("refuses bad sizes, ranges and unknown hashes", async () => {
    expect(await errorCodeOf(() => createMemoryUpdateSource(0))).toBe("INVALID_CONFIG");
    expect(await errorCodeOf(() => createMemoryUpdateSource(1.5))).toBe("INVALID_CONFIG");
    const source = createMemoryUpdateSource(4);
    expect(await errorCodeOf(() => source.add(hashOf(1), new Float32Array(5)))).toBe("SHAPE_MISMATCH");
    source.add(hashOf(1), new Float32Array(4));
    expect(await errorCodeOf(() => source.read(hashOf(1), 2, new Float32Array(3)))).toBe("INTERNAL");
    expect(await errorCodeOf(() => source.read(hashOf(1), -1, new Float32Array(1)))).toBe("INTERNAL");
    expect(await errorCodeOf(() => source.read(hashOf(2), 0, new Float32Array(1)))).toBe("INTERNAL");
    expect(await errorCodeOf(() => source.read("0x12", 0, new Float32Array(1)))).toBe("INTERNAL");
  });
});
