import { mkdtemp, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeWeights, encodeWeights, type LayerSpec } from "@fedledger/client-sdk";
import { splitLayers, storeUpdates } from "../../../test/fixtures/storedUpdates.ts";
import { createDirectoryContentStore } from "./contentStore.ts";
import { createObjectUpdateSource } from "./objectUpdateSource.ts";
import { errorCodeOf } from "../../../test/fixtures/errorCode.ts";

const ramp = (n: number, seed: number) => Float32Array.from({ length: n }, (_, k) => Math.fround(Math.sin(seed + k) * (k % 3 === 0 ? -1 : 1)));
const layout: LayerSpec[] = [
  { name: "dense/kernel", shape: [7, 3] },
  { name: "dense/bias", shape: [3] },
  { name: "out/kernel", shape: [3, 4] },
  { name: "out/bias", shape: [4] },
];
const P = 40;
// Reads that start and end inside layers, at their edges, and span several of them.
const SLICES = [[0, 40], [0, 1], [39, 1], [20, 5], [21, 3], [5, 30], [24, 12], [40, 0]] as const;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fedledger-object-updates-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("object update source", () => {
  for (const dtype of ["f32", "i8"] as const) {
    for (const locate of [true, false]) {
      it(`reads any slice of ${dtype} updates as decodeWeights decodes them (${locate ? "located at acceptance" : "parsed from the stored object, as after a restart"})`, async () => {
        const flats = [ramp(P, 1), ramp(P, 2)];
        const { source, hashes } = await storeUpdates(dir, flats, { layout, dtype, locate });
        expect(source.parameterCount).toBe(P);
        for (const [i, flat] of flats.entries()) {
          const expected = Float32Array.from(decodeWeights(encodeWeights(splitLayers(flat, layout), layout, dtype), layout).weights.flatMap((l) => [...l]));
          for (const [offset, length] of SLICES) {
            const into = new Float32Array(length);
            await source.read(hashes[i]!, offset, into);
            expect(Buffer.from(into.buffer).equals(Buffer.from(expected.slice(offset, offset + length).buffer)), `${offset}+${length}`).toBe(true);
          }
        }
        // into may be a view at an offset of a larger buffer
        const big = new Float32Array(20).fill(-1);
        await source.read(hashes[0]!, 18, big.subarray(5, 15));
        expect([...big.subarray(0, 5), ...big.subarray(15)]).toEqual(Array(10).fill(-1));
        await source.close();
      });
    }
  }

  it("refuses unknown, corrupt and truncated objects, bad ranges, and reads after close", async () => {
    const { source, hashes } = await storeUpdates(dir, [ramp(P, 1), ramp(P, 2)], { layout, locate: false });
    expect(await errorCodeOf(() => source.read(`0x${"ab".repeat(32)}`, 0, new Float32Array(1)))).toBe("INTERNAL");
    expect(await errorCodeOf(() => source.read(hashes[0]!, 39, new Float32Array(2)))).toBe("INTERNAL");
    expect(await errorCodeOf(() => source.read(hashes[0]!, -1, new Float32Array(1)))).toBe("INTERNAL");
    const content = createDirectoryContentStore(dir);
    // Parsed frames come from verified bytes: a truncated object is refused, not misread.
    await truncate(content.pathOf(hashes[1]!), 100);
    expect(await errorCodeOf(() => source.read(hashes[1]!, 0, new Float32Array(1)))).toBe("INTERNAL");
    // A located frame over an object truncated since: the read ends early, typed.
    const located = createObjectUpdateSource(content, layout);
    const bytes = encodeWeights(splitLayers(ramp(P, 3), layout), layout);
    const hash = await content.put(bytes);
    located.locate(hash, decodeWeights(bytes, layout));
    await truncate(content.pathOf(hash), bytes.byteLength - 8);
    expect(await errorCodeOf(() => located.read(hash, 0, new Float32Array(P)))).toBe("INTERNAL");
    expect(await errorCodeOf(() => located.locate(hash, { dtype: "f32", layers: [] }))).toBe("SHAPE_MISMATCH");
    await source.close();
    expect(await errorCodeOf(() => source.read(hashes[0]!, 0, new Float32Array(1)))).toBe("INTERNAL");
    expect(await errorCodeOf(() => createObjectUpdateSource(content, layout, { maxOpenFiles: 0 }))).toBe("INVALID_CONFIG");
    expect(await errorCodeOf(() => createObjectUpdateSource(content, layout, { maxFrames: 1.5 }))).toBe("INVALID_CONFIG");
    await located.close();
  });

  it("stays correct under concurrent reads with caches smaller than the working set", async () => {
    const flats = Array.from({ length: 8 }, (_, i) => ramp(P, i * 1000));
    const stored = await storeUpdates(dir, flats, { layout });
    await stored.source.close();
    const source = createObjectUpdateSource(createDirectoryContentStore(dir), layout, { maxOpenFiles: 2, maxFrames: 3 });
    // Many concurrent reads across files: eviction never closes a descriptor in use.
    const reads = Array.from({ length: 300 }, async (_, j) => {
      const i = (j * 5) % 8;
      const offset = (j * 7) % 36;
      const into = new Float32Array(4);
      await source.read(stored.hashes[i]!, offset, into);
      return [...into].every((v, k) => v === flats[i]![offset + k]);
    });
    expect((await Promise.all(reads)).every(Boolean)).toBe(true);
    await source.close();
  });
});
