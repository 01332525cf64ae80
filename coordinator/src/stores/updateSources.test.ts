import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { isFedLedgerError } from "@fedledger/client-sdk";
import { createMemoryUpdateSource, createStoreUpdateSource } from "./updateSources.ts";

const hashOf = (i: number): Hex => `0x${i.toString(16).padStart(64, "0")}`;
const ramp = (n: number, seed: number) => Float32Array.from({ length: n }, (_, k) => seed + k * 0.25);

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    return isFedLedgerError(error) ? error.code : `not a FedLedgerError: ${String(error)}`;
  }
  return "no error";
}

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

  it("lives in a wasm arena the kernel can read in place", () => {
    const source = createMemoryUpdateSource(5);
    source.add(hashOf(1), ramp(5, 0));
    source.add(hashOf(2), ramp(5, 10));
    const a = source.resident(hashOf(1));
    const b = source.resident(hashOf(2));
    expect(a && b && a.arena === b.arena).toBe(true);
    expect([...b!.arena.float32(b!.byteOffset, 5)]).toEqual([...ramp(5, 10)]);
    expect(b!.byteOffset - a!.byteOffset).toBeGreaterThanOrEqual((5 + 3) * 4); // padding for 4-lane reads
  });

  it("refuses bad sizes, ranges and unknown hashes", async () => {
    expect(await codeOf(() => createMemoryUpdateSource(0))).toBe("INVALID_CONFIG");
    expect(await codeOf(() => createMemoryUpdateSource(1.5))).toBe("INVALID_CONFIG");
    const source = createMemoryUpdateSource(4);
    expect(await codeOf(() => source.add(hashOf(1), new Float32Array(5)))).toBe("SHAPE_MISMATCH");
    source.add(hashOf(1), new Float32Array(4));
    expect(await codeOf(() => source.read(hashOf(1), 2, new Float32Array(3)))).toBe("INTERNAL");
    expect(await codeOf(() => source.read(hashOf(1), -1, new Float32Array(1)))).toBe("INTERNAL");
    expect(await codeOf(() => source.read(hashOf(2), 0, new Float32Array(1)))).toBe("INTERNAL");
    expect(await codeOf(() => source.read("0x12", 0, new Float32Array(1)))).toBe("INTERNAL");
  });
});

describe("store update source", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fedledger-updates-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the update as raw little-endian float32 in layout order", async () => {
    const source = createStoreUpdateSource(dir, 5);
    await source.put(hashOf(1), [Float32Array.from([1, -2]), Float32Array.from([0.5, 3, -0])]);
    expect(source.pathOf(hashOf(1))).toBe(join(dir, `${hashOf(1).slice(2)}.f32`));
    const bytes = await readFile(source.pathOf(hashOf(1)));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(bytes.byteLength).toBe(20);
    expect([0, 1, 2, 3, 4].map((i) => view.getFloat32(i * 4, true))).toEqual([1, -2, 0.5, 3, -0]);
    expect(Object.is(view.getFloat32(16, true), -0)).toBe(true);
    expect(readdirSync(dir).filter((n) => n.startsWith(".tmp"))).toEqual([]);
    expect(await source.has(hashOf(1))).toBe(true);
    expect(await source.has(hashOf(2))).toBe(false);
    await source.close();
  });

  it("reads any slice with positioned reads", async () => {
    const source = createStoreUpdateSource(dir, 1000);
    const flat = ramp(1000, 7);
    await source.put(hashOf(3), [flat.subarray(0, 333), flat.subarray(333)]);
    for (const [offset, length] of [
      [0, 1000],
      [0, 1],
      [999, 1],
      [250, 500],
      [1000, 0],
    ] as const) {
      const into = new Float32Array(length);
      await source.read(hashOf(3), offset, into);
      expect([...into]).toEqual([...flat.subarray(offset, offset + length)]);
    }
    // into may be a view at an offset of a larger buffer
    const big = new Float32Array(20).fill(-1);
    await source.read(hashOf(3), 10, big.subarray(5, 15));
    expect([...big.subarray(0, 5)]).toEqual([-1, -1, -1, -1, -1]);
    expect([...big.subarray(5, 15)]).toEqual([...flat.subarray(10, 20)]);
    expect([...big.subarray(15)]).toEqual([-1, -1, -1, -1, -1]);
    await source.close();
  });

  it("is idempotent: an existing update is not rewritten", async () => {
    const source = createStoreUpdateSource(dir, 4);
    await source.put(hashOf(1), [ramp(4, 0)]);
    const before = await stat(source.pathOf(hashOf(1)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await source.put(hashOf(1), [ramp(4, 0)]);
    const after = await stat(source.pathOf(hashOf(1)));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    await source.close();
  });

  it("refuses wrong sizes, unknown and truncated updates, bad ranges", async () => {
    const source = createStoreUpdateSource(dir, 4);
    expect(await codeOf(() => source.put(hashOf(1), [new Float32Array(3)]))).toBe("SHAPE_MISMATCH");
    expect(existsSync(source.pathOf(hashOf(1)))).toBe(false);
    expect(await codeOf(() => source.read(hashOf(9), 0, new Float32Array(1)))).toBe("INTERNAL");
    await source.put(hashOf(2), [new Float32Array(4)]);
    expect(await codeOf(() => source.read(hashOf(2), 3, new Float32Array(2)))).toBe("INTERNAL");
    await truncate(source.pathOf(hashOf(2)), 8);
    const fresh = createStoreUpdateSource(dir, 4);
    expect(await codeOf(() => fresh.read(hashOf(2), 0, new Float32Array(1)))).toBe("INTERNAL");
    expect(await fresh.has(hashOf(2))).toBe(false);
    expect(await codeOf(() => createStoreUpdateSource(dir, 4, { maxOpenFiles: 0 }))).toBe("INVALID_CONFIG");
    await source.close();
    await fresh.close();
  });

  it("keeps at most maxOpenFiles descriptors and stays correct under concurrent reads", async () => {
    // Descriptor counting needs Linux's /proc; elsewhere only correctness is checked.
    const canCount = existsSync("/proc/self/fd");
    const openFds = () => (canCount ? readdirSync("/proc/self/fd").length : 0);
    const source = createStoreUpdateSource(dir, 64, { maxOpenFiles: 2 });
    const flats = Array.from({ length: 8 }, (_, i) => ramp(64, i * 1000));
    for (const [i, flat] of flats.entries()) await source.put(hashOf(i), [flat]);
    const baseline = openFds();
    // Sequential reads over 8 files: the cache evicts down to 2.
    for (let i = 0; i < 8; i++) await source.read(hashOf(i), 0, new Float32Array(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openFds()).toBeLessThanOrEqual(baseline + 2);
    // Many concurrent reads across files: eviction never closes a descriptor in use.
    const reads = Array.from({ length: 300 }, async (_, j) => {
      const i = (j * 5) % 8;
      const offset = (j * 7) % 60;
      const into = new Float32Array(4);
      await source.read(hashOf(i), offset, into);
      return [...into].every((v, k) => v === flats[i]![offset + k]);
    });
    expect((await Promise.all(reads)).every(Boolean)).toBe(true);
    await source.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openFds()).toBeLessThanOrEqual(baseline);
    expect(await codeOf(() => source.read(hashOf(0), 0, new Float32Array(1)))).toBe("INTERNAL");
  });
});
