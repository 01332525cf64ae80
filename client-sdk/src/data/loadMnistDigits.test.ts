import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMnistDigits, MNIST_DIGIT_SIZE, MNIST_DIGITS_COUNT, readMnistDigitFile } from "./loadMnistDigits.ts";

const require = createRequire(import.meta.url);
const PER_DIGIT = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

async function packageDigits(digit: number): Promise<number[]> {
  const parsed = JSON.parse(await readFile(require.resolve(`mnist/src/digits/${digit}.json`), "utf8")) as { data: number[] };
  return parsed.data;
}

describe("loadMnistDigits", () => {
  it("loads all 10,000 digits sorted by digit, then by position in the package's file", async () => {
    const ds = await loadMnistDigits();
    expect(ds.numSamples).toBe(MNIST_DIGITS_COUNT);
    expect(ds.featureShape).toEqual([784]);
    expect(ds.numClasses).toBe(10);
    expect(ds.features.length).toBe(MNIST_DIGITS_COUNT * MNIST_DIGIT_SIZE);
    const counts = new Array<number>(10).fill(0);
    ds.labels.forEach((label, i) => {
      counts[label] = (counts[label] ?? 0) + 1;
      if (i > 0) expect(label).toBeGreaterThanOrEqual(ds.labels[i - 1] ?? 0);
    });
    expect(counts).toEqual(PER_DIGIT);
    let min = Infinity;
    let max = -Infinity;
    for (const v of ds.features) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect([min, max]).toEqual([0, 1]);

    const zeros = await packageDigits(0);
    expect([...ds.features.subarray(0, 784)]).toEqual(zeros.slice(0, 784).map(Math.fround));
    const threes = await packageDigits(3);
    const firstThree = PER_DIGIT.slice(0, 3).reduce((a, b) => a + b, 0) + 5;
    expect([...ds.features.subarray(firstThree * 784, (firstThree + 1) * 784)]).toEqual(threes.slice(5 * 784, 6 * 784).map(Math.fround));
    const nines = await packageDigits(9);
    expect([...ds.features.subarray(-784)]).toEqual(nines.slice(-784).map(Math.fround));
  });

  it("is deterministic", async () => {
    const a = await loadMnistDigits({ count: 2000 });
    const b = await loadMnistDigits({ count: 2000 });
    expect(Buffer.from(a.features.buffer).equals(Buffer.from(b.features.buffer))).toBe(true);
    expect(a.labels).toEqual(b.labels);
  });

  it("keeps the first `count` samples of that order", async () => {
    const full = await loadMnistDigits();
    const some = await loadMnistDigits({ count: 1500 });
    expect(some.numSamples).toBe(1500);
    expect(some.numClasses).toBe(10);
    expect([...some.labels.subarray(0, 1001)].every((l) => l === 0)).toBe(true);
    expect([...some.labels.subarray(1001)].every((l) => l === 1)).toBe(true);
    expect(Buffer.from(some.features.buffer).equals(Buffer.from(full.features.buffer, 0, 1500 * 784 * 4))).toBe(true);
    expect((await loadMnistDigits({ count: 0 })).numSamples).toBe(0);
  });

  it.each([-1, 10_001, 1.5, Number.NaN])("rejects count %s with INVALID_CONFIG", async (count) => {
    await expect(loadMnistDigits({ count })).rejects.toMatchObject({ name: "FedLedgerError", code: "INVALID_CONFIG" });
  });
});

describe("readMnistDigitFile", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "fedledger-mnist-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a file of whole images", async () => {
    const path = join(dir, "ok.json");
    await writeFile(path, JSON.stringify({ data: Array.from({ length: 2 * 784 }, (_, i) => (i % 4) / 4) }));
    const pixels = await readMnistDigitFile(path);
    expect(pixels.length).toBe(2 * 784);
    expect([...pixels.subarray(0, 4)]).toEqual([0, 0.25, 0.5, 0.75]);
  });

  it.each([
    ["not JSON", "{ data: "],
    ["not an object", "[1, 2]"],
    ["no data array", JSON.stringify({ pixels: [] })],
    ["a partial image", JSON.stringify({ data: new Array(783).fill(0) })],
    ["a pixel above 1", JSON.stringify({ data: [...new Array(783).fill(0), 2] })],
    ["a negative pixel", JSON.stringify({ data: [-0.5, ...new Array(783).fill(0)] })],
    ["a non-number pixel", JSON.stringify({ data: ["0", ...new Array(783).fill(0)] })],
  ])("rejects %s with INVALID_DATASET", async (name, text) => {
    const path = join(dir, `${name}.json`);
    await writeFile(path, text);
    await expect(readMnistDigitFile(path)).rejects.toMatchObject({ name: "FedLedgerError", code: "INVALID_DATASET" });
  });

  it("rejects a missing file with INVALID_DATASET", async () => {
    await expect(readMnistDigitFile(join(dir, "missing.json"))).rejects.toMatchObject({ code: "INVALID_DATASET" });
  });
});
