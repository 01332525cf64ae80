import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createDataset, type Dataset } from "../data/Dataset.ts";
import type { ErrorCode } from "../errors/codes.ts";
import { datasetRecordHashes, encodeRecord, recordHash } from "./recordHash.ts";

const fedError = (code: ErrorCode) => expect.objectContaining({ name: "FedLedgerError", code });
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("encodeRecord / recordHash", () => {
  // Vectors computed independently with Python: sha256(struct.pack(">I", label) +
  // b"".join(struct.pack("<f", f) for f in features)).
  it.each([
    [1, [0.5, 0], "000000010000003f00000000", "0xe25d0f444def1d62dbf1437b12900e2093a4a696a8773399ecc3d0993e37f24d"],
    [7, [], "00000007", "0x1561ade0621c5acf44b780521f95a1e0b19b4e5032945b860c4032fc28a3a23b"],
    [0, [1, -2.25, 3e-5], "000000000000803f000010c082a8fb37", "0xa9929570844829edb6f9fe62479abac176dac10fe56f2b20f38177144924cd53"],
  ])("label %s, features %j match the published vector", (label, features, bytes, hash) => {
    expect(hex(encodeRecord(label, features))).toBe(bytes);
    expect(recordHash(label, features)).toBe(hash);
    expect(recordHash(label, Float32Array.from(features))).toBe(hash);
  });

  it("is SHA-256 of the encoding, the same from a Float32Array or a number array", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.float32Array({ noDefaultInfinity: true, noNaN: true }), (label, floats) => {
        const expected = `0x${createHash("sha256").update(encodeRecord(label, floats)).digest("hex")}`;
        expect(recordHash(label, floats)).toBe(expected);
        expect(recordHash(label, Array.from(floats))).toBe(expected);
        expect(hex(encodeRecord(label, Array.from(floats)))).toBe(hex(encodeRecord(label, floats)));
      }),
    );
  });

  it("writes -0 as +0 and rounds numbers to float32 first", () => {
    expect(recordHash(2, [-0, 1])).toBe(recordHash(2, [0, 1]));
    expect(recordHash(2, Float32Array.from([-0, 1]))).toBe(recordHash(2, [0, 1]));
    expect(hex(encodeRecord(2, [-0]))).toBe("0000000200000000");
    expect(recordHash(2, [0.1])).toBe(recordHash(2, [Math.fround(0.1)]));
  });

  it("separates label, values and length", () => {
    const base = recordHash(1, [1, 2]);
    expect(recordHash(2, [1, 2])).not.toBe(base);
    expect(recordHash(1, [2, 1])).not.toBe(base);
    expect(recordHash(1, [1, 2, 0])).not.toBe(base);
  });

  it.each([
    ["NaN", [Number.NaN]],
    ["Infinity", [1, Number.POSITIVE_INFINITY]],
    ["-Infinity", [Number.NEGATIVE_INFINITY]],
    ["a value beyond float32", [1e39]],
  ])("rejects a %s feature with INVALID_DATASET (number array and Float32Array)", (_name, features) => {
    expect(() => recordHash(0, features)).toThrow(fedError("INVALID_DATASET"));
    expect(() => recordHash(0, Float32Array.from(features))).toThrow(fedError("INVALID_DATASET"));
    expect(() => encodeRecord(0, features)).toThrow(fedError("INVALID_DATASET"));
  });

  it.each([-1, 1.5, 2 ** 31, Number.NaN])("rejects label %s with INVALID_DATASET", (label) => {
    expect(() => recordHash(label, [1])).toThrow(fedError("INVALID_DATASET"));
  });
});

describe("datasetRecordHashes", () => {
  const ds = createDataset({
    features: Float32Array.from([1, 2, 3, 4, 1, 2]),
    labels: Int32Array.from([0, 1, 0]),
    featureShape: [2],
  });

  it("hashes every sample in order, duplicates kept", () => {
    const hashes = datasetRecordHashes(ds);
    expect(hashes).toEqual([recordHash(0, [1, 2]), recordHash(1, [3, 4]), recordHash(0, [1, 2])]);
  });

  it("hashes multi-dimensional samples row-major", () => {
    const images = createDataset({ features: Float32Array.from([1, 2, 3, 4]), labels: Int32Array.from([5]), featureShape: [2, 2] });
    expect(datasetRecordHashes(images)).toEqual([recordHash(5, [1, 2, 3, 4])]);
  });

  it("rejects a non-finite feature naming the sample", () => {
    const bad = createDataset({ features: Float32Array.from([1, 2, Number.NaN, 4]), labels: Int32Array.from([0, 1]), featureShape: [2] });
    expect(() => datasetRecordHashes(bad)).toThrow(fedError("INVALID_DATASET"));
    expect(() => datasetRecordHashes(bad)).toThrow(expect.objectContaining({ details: expect.stringContaining("sample 1") }));
  });

  it("rejects arrays that disagree with numSamples", () => {
    const broken: Dataset = { ...ds, numSamples: 4 };
    expect(() => datasetRecordHashes(broken)).toThrow(fedError("INVALID_DATASET"));
  });
});
