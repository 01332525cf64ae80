import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { contentHashSync } from "@fedledger/client-sdk";
import { createDirectoryContentStore } from "./contentStore.ts";
import { errorCodeOf } from "../../../test/fixtures/errorCode.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fedledger-content-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("directory content store", () => {
  it("stores under <dir>/<2 hex>/<62 hex> and returns the SHA-256", async () => {
    const store = createDirectoryContentStore(dir);
    const bytes = new TextEncoder().encode("hello fedledger");
    const hash = await store.put(bytes);
    expect(hash).toBe(contentHashSync(bytes));
    expect(store.pathOf(hash)).toBe(join(dir, hash.slice(2, 4), hash.slice(4)));
    expect(new Uint8Array(await readFile(store.pathOf(hash)))).toEqual(bytes);
    expect(await store.get(hash)).toEqual(bytes);
    expect(await store.has(hash)).toBe(true);
    expect(await store.has(contentHashSync(new Uint8Array([1])))).toBe(false);
  });

  it("accepts upper-case hashes and refuses malformed ones", async () => {
    const store = createDirectoryContentStore(dir);
    const hash = await store.put(new Uint8Array([1, 2, 3]));
    expect(await store.get(hash.toUpperCase().replace("0X", "0x") as Hex)).toEqual(new Uint8Array([1, 2, 3]));
    expect(() => store.pathOf("0x1234")).toThrow(/SHA-256/);
    expect(() => store.pathOf(`0x${"g".repeat(64)}`)).toThrow(/SHA-256/);
    expect(() => store.pathOf(`0x${"0".repeat(62)}/../`)).toThrow(/SHA-256/);
  });

  it("is idempotent: an existing object is not rewritten", async () => {
    const store = createDirectoryContentStore(dir);
    const bytes = new Uint8Array(1000).fill(9);
    const hash = await store.put(bytes);
    const before = await stat(store.pathOf(hash));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.put(bytes)).toBe(hash);
    expect(await store.put(Uint8Array.from(bytes))).toBe(hash);
    const after = await stat(store.pathOf(hash));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it("replaces a truncated object on put", async () => {
    const store = createDirectoryContentStore(dir);
    const bytes = new Uint8Array(100).fill(3);
    const hash = await store.put(bytes);
    await writeFile(store.pathOf(hash), bytes.subarray(0, 10));
    expect(await errorCodeOf(store.get(hash))).toBe("INTERNAL");
    await store.put(bytes);
    expect(await store.get(hash)).toEqual(bytes);
  });

  it("detects corruption on get (INTERNAL)", async () => {
    const store = createDirectoryContentStore(dir);
    const bytes = new Uint8Array(64).fill(1);
    const hash = await store.put(bytes);
    const flipped = Uint8Array.from(bytes);
    flipped[17] = 2;
    await writeFile(store.pathOf(hash), flipped);
    await expect(store.get(hash)).rejects.toThrow(/corrupt/);
    expect(await errorCodeOf(store.get(hash))).toBe("INTERNAL");
  });

  it("reports a missing object as INTERNAL", async () => {
    const store = createDirectoryContentStore(dir);
    expect(await errorCodeOf(store.get(contentHashSync(new Uint8Array([7]))))).toBe("INTERNAL");
  });

  it("never shows a partial file under the final name and leaves no temporary files", async () => {
    const store = createDirectoryContentStore(dir);
    const bytes = new Uint8Array(24 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i & 0xff;
    const hash = contentHashSync(bytes);
    const path = store.pathOf(hash);
    let done = false;
    const seen: number[] = [];
    const watcher = (async () => {
      while (!done) {
        try {
          seen.push((await stat(path)).size);
        } catch {
          seen.push(-1); // not there yet
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await store.put(bytes);
    done = true;
    await watcher;
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((size) => size === -1 || size === bytes.length)).toBe(true);
    expect((await readdir(join(dir, hash.slice(2, 4)))).filter((name) => name.startsWith(".tmp"))).toEqual([]);
    // (toEqual walks 24 MiB element by element: compare as Buffers)
    expect(Buffer.from(await store.get(hash)).equals(bytes)).toBe(true);
  });

  it("handles concurrent puts of the same and of different objects", async () => {
    const store = createDirectoryContentStore(dir);
    const objects = Array.from({ length: 20 }, (_, i) => new Uint8Array(5000).fill(i % 5));
    const hashes = await Promise.all(objects.map((o) => store.put(o)));
    expect(new Set(hashes).size).toBe(5);
    for (const [i, hash] of hashes.entries()) expect(await store.get(hash)).toEqual(objects[i]);
    const names = (await readdir(dir, { recursive: true })).filter((name) => name.includes(".tmp"));
    expect(names).toEqual([]);
  });

  it("creates its directory on first put", async () => {
    const store = createDirectoryContentStore(join(dir, "a", "b"));
    const hash = await store.put(new Uint8Array([5]));
    expect(await store.get(hash)).toEqual(new Uint8Array([5]));
  });
});
