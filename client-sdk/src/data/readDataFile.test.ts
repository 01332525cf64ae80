import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isGzip, readDataFile } from "./readDataFile.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fedledger-read-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("isGzip", () => {
  it("checks the 1f 8b magic", () => {
    expect(isGzip(gzipSync("x"))).toBe(true);
    expect(isGzip(Uint8Array.from([0x1f, 0x8b]))).toBe(true);
    expect(isGzip(Uint8Array.from([0x1f]))).toBe(false);
    expect(isGzip(Uint8Array.from([0x8b, 0x1f, 0]))).toBe(false);
    expect(isGzip(new Uint8Array(0))).toBe(false);
  });
});

describe("readDataFile", () => {
  it("returns plain files as they are and inflates gzip ones whatever their name", async () => {
    const content = Buffer.from("hello,world\n1,2\n");
    await writeFile(join(dir, "plain.csv"), content);
    await writeFile(join(dir, "zipped.csv"), gzipSync(content));
    expect((await readDataFile(join(dir, "plain.csv"))).equals(content)).toBe(true);
    expect((await readDataFile(join(dir, "zipped.csv"))).equals(content)).toBe(true);
  });

  it("rejects a missing file, a directory and corrupt gzip with INVALID_DATASET naming the path", async () => {
    await writeFile(join(dir, "bad.gz"), Buffer.concat([gzipSync("some text").subarray(0, 12)]));
    for (const path of [join(dir, "missing"), dir, join(dir, "bad.gz")]) {
      await expect(readDataFile(path)).rejects.toMatchObject({
        name: "FedLedgerError",
        code: "INVALID_DATASET",
        message: expect.stringContaining(path),
      });
    }
  });
});
