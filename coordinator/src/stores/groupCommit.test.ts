import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contentHashSync } from "@fedledger/client-sdk";
import { createDirectoryContentStore } from "./contentStore.ts";
import { createGroupCommitter } from "./groupCommit.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fedledger-group-commit-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const blob = (i: number, size = 100_000) => Uint8Array.from({ length: size }, (_, k) => (k * 31 + i * 7) & 0xff);

async function temporaryFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.filter((name) => name.split("/").at(-1)!.startsWith(".tmp"));
}

describe("group commit", () => {
  it("resolves each write only once its object is whole under its name, readable by a freshly opened store", async () => {
    const store = createDirectoryContentStore(dir);
    const blobs = Array.from({ length: 24 }, (_, i) => blob(i));
    const checks = blobs.map(async (bytes) => {
      const hash = await store.put(bytes);
      // At the resolution of this put, whatever the other puts of its group are doing.
      const fresh = createDirectoryContentStore(dir);
      return Buffer.from(await fresh.get(hash)).equals(Buffer.from(bytes));
    });
    expect(await Promise.all(checks)).toEqual(blobs.map(() => true));
    expect(await temporaryFiles(dir)).toEqual([]);
  });

  it("makes writes in flight together share commits", async () => {
    const committer = createGroupCommitter();
    await Promise.all(Array.from({ length: 16 }, (_, i) => committer.write(join(dir, `d${i % 3}`, `f${i}`), [blob(i)])));
    expect(committer.stats.files).toBe(16);
    expect(committer.stats.commits).toBeGreaterThanOrEqual(1);
    expect(committer.stats.commits).toBeLessThan(16);
    for (let i = 0; i < 16; i++) expect(Buffer.from(await readFile(join(dir, `d${i % 3}`, `f${i}`))).equals(Buffer.from(blob(i)))).toBe(true);
  });

  it("fails only the write that fails, not the others of its group, and leaves no temporary file", async () => {
    const committer = createGroupCommitter();
    // A non-empty directory where one file should go: its rename fails.
    await mkdir(join(dir, "d", "blocked"), { recursive: true });
    await writeFile(join(dir, "d", "blocked", "x"), "x");
    const outcomes = await Promise.allSettled([
      committer.write(join(dir, "d", "a"), [blob(1)]),
      committer.write(join(dir, "d", "blocked"), [blob(2)]),
      committer.write(join(dir, "d", "b"), [blob(3)]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(contentHashSync(await readFile(join(dir, "d", "b")))).toBe(contentHashSync(blob(3)));
    expect(await temporaryFiles(dir)).toEqual([]);
  });

  it("is idempotent: a complete file is left as it is", async () => {
    const committer = createGroupCommitter();
    expect(await committer.write(join(dir, "f"), [blob(1, 10), blob(2, 5)])).toBe("written");
    expect(await committer.write(join(dir, "f"), [blob(1, 15)])).toBe("exists");
    expect(committer.stats.files).toBe(1);
  });
});
