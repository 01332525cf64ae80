import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../errors/codes.ts";
import { createDataset, featureSize, shuffleDataset, subsetDataset } from "./Dataset.ts";

const fedError = (code: ErrorCode) => expect.objectContaining({ name: "FedLedgerError", code });

/** 5 samples of shape [2]: sample i has features [i, 10 + i] and label i % 3. */
function sample5() {
  return createDataset({
    features: Float32Array.from([0, 10, 1, 11, 2, 12, 3, 13, 4, 14]),
    labels: Int32Array.from([0, 1, 2, 0, 1]),
    featureShape: [2],
  });
}

describe("featureSize", () => {
  it("multiplies the shape, 1 for a scalar", () => {
    expect(featureSize([28, 28])).toBe(784);
    expect(featureSize([3])).toBe(3);
    expect(featureSize([])).toBe(1);
    expect(featureSize([4, 0])).toBe(0);
  });

  it.each([[[-1]], [[1.5]], [[Number.NaN]], [[2 ** 30, 2 ** 30]]])("rejects %j with INVALID_DATASET", (shape) => {
    expect(() => featureSize(shape)).toThrow(fedError("INVALID_DATASET"));
  });
});

describe("createDataset", () => {
  it("derives numSamples and numClasses and freezes the shape", () => {
    const ds = sample5();
    expect(ds.numSamples).toBe(5);
    expect(ds.numClasses).toBe(3);
    expect(ds.featureShape).toEqual([2]);
    expect(Object.isFrozen(ds.featureShape)).toBe(true);
  });

  it("accepts an explicit numClasses above the largest label, and an empty dataset", () => {
    const ds = createDataset({ features: new Float32Array(2), labels: Int32Array.from([1]), featureShape: [2], numClasses: 10 });
    expect(ds.numClasses).toBe(10);
    const empty = createDataset({ features: new Float32Array(0), labels: new Int32Array(0), featureShape: [3] });
    expect(empty).toMatchObject({ numSamples: 0, numClasses: 0 });
  });

  it("rejects features that do not match labels x shape", () => {
    expect(() => createDataset({ features: new Float32Array(5), labels: new Int32Array(2), featureShape: [2] })).toThrow(
      fedError("INVALID_DATASET"),
    );
  });

  it("rejects negative labels and labels not below numClasses", () => {
    expect(() => createDataset({ features: new Float32Array(1), labels: Int32Array.from([-1]), featureShape: [1] })).toThrow(
      fedError("INVALID_DATASET"),
    );
    expect(() =>
      createDataset({ features: new Float32Array(1), labels: Int32Array.from([3]), featureShape: [1], numClasses: 3 }),
    ).toThrow(fedError("INVALID_DATASET"));
  });

  it.each([-1, 1.5, Number.NaN])("rejects numClasses %s with INVALID_CONFIG", (numClasses) => {
    expect(() => createDataset({ features: new Float32Array(1), labels: Int32Array.from([0]), featureShape: [1], numClasses })).toThrow(
      fedError("INVALID_CONFIG"),
    );
  });
});

describe("subsetDataset", () => {
  it("copies the chosen rows in the given order, repeats allowed", () => {
    const ds = sample5();
    const sub = subsetDataset(ds, [4, 0, 4]);
    expect(sub.numSamples).toBe(3);
    expect([...sub.features]).toEqual([4, 14, 0, 10, 4, 14]);
    expect([...sub.labels]).toEqual([1, 0, 1]);
    expect(sub.numClasses).toBe(3);
    expect(sub.featureShape).toEqual([2]);
    sub.features[0] = 99;
    expect(ds.features[8]).toBe(4);
  });

  it("accepts typed-array indices and an empty subset", () => {
    expect([...subsetDataset(sample5(), Int32Array.from([1])).labels]).toEqual([1]);
    expect(subsetDataset(sample5(), []).numSamples).toBe(0);
  });

  it.each([[[5]], [[-1]], [[1.5]], [[Number.NaN]]])("rejects indices %j with INVALID_CONFIG", (indices) => {
    expect(() => subsetDataset(sample5(), indices)).toThrow(fedError("INVALID_CONFIG"));
  });
});

describe("shuffleDataset", () => {
  it("keeps every (features, label) pair, in a seed-fixed order", () => {
    const ds = createDataset({
      features: Float32Array.from({ length: 100 }, (_, i) => i),
      labels: Int32Array.from({ length: 100 }, (_, i) => i % 7),
      featureShape: [1],
    });
    const a = shuffleDataset(ds, 3);
    const b = shuffleDataset(ds, 3);
    const c = shuffleDataset(ds, 4);
    expect(a.features).toEqual(b.features);
    expect(a.labels).toEqual(b.labels);
    expect([...a.features]).not.toEqual([...ds.features]);
    expect([...a.features]).not.toEqual([...c.features]);
    expect([...a.features].sort((x, y) => x - y)).toEqual([...ds.features]);
    a.features.forEach((f, i) => expect(a.labels[i]).toBe(f % 7));
  });

  it("rejects a bad seed with INVALID_CONFIG", () => {
    expect(() => shuffleDataset(sample5(), 0.5)).toThrow(fedError("INVALID_CONFIG"));
  });
});
