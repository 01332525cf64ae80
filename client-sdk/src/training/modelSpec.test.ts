import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { initialWeights } from "./initialWeights.ts";
import { layerLayout, type ModelSpec, parameterCount, parseModelSpec } from "./modelSpec.ts";

const MNIST_MLP: ModelSpec = {
  kind: "mlp",
  inputShape: [784],
  layers: [
    { units: 128, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
};

function expectCode(run: () => unknown, code: Parameters<typeof isFedLedgerError>[1]): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(isFedLedgerError(caught, code)).toBe(true);
}

function sha256(arrays: Float32Array[]): string {
  const hash = createHash("sha256");
  for (const a of arrays) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return hash.digest("hex");
}

describe("parseModelSpec", () => {
  it("accepts a JSON round-tripped MLP spec", () => {
    expect(parseModelSpec(JSON.parse(JSON.stringify(MNIST_MLP)))).toEqual(MNIST_MLP);
  });

  it.each([
    ["unknown kind", { ...MNIST_MLP, kind: "cnn" }],
    ["extra key", { ...MNIST_MLP, extra: 1 }],
    ["no layers", { ...MNIST_MLP, layers: [] }],
    ["empty input shape", { ...MNIST_MLP, inputShape: [] }],
    [
      "fractional units",
      {
        ...MNIST_MLP,
        layers: [
          { units: 1.5, activation: "relu" },
          { units: 10, activation: "softmax" },
        ],
      },
    ],
    ["last layer not softmax", { ...MNIST_MLP, layers: [{ units: 10, activation: "relu" }] }],
    [
      "hidden softmax",
      {
        ...MNIST_MLP,
        layers: [
          { units: 8, activation: "softmax" },
          { units: 10, activation: "softmax" },
        ],
      },
    ],
    ["single class", { ...MNIST_MLP, layers: [{ units: 1, activation: "softmax" }] }],
    ["unknown activation", { ...MNIST_MLP, layers: [{ units: 10, activation: "gelu" }] }],
    [
      "too many parameters",
      {
        ...MNIST_MLP,
        inputShape: [1_000_000],
        layers: [
          { units: 16_000, activation: "relu" },
          { units: 10, activation: "softmax" },
        ],
      },
    ],
  ])("rejects %s with INVALID_CONFIG", (_name, spec) => {
    expectCode(() => parseModelSpec(spec), "INVALID_CONFIG");
  });
});

describe("layerLayout", () => {
  it("lists kernels and biases in canonical order", () => {
    expect(layerLayout(MNIST_MLP)).toEqual([
      { name: "dense_0/kernel", shape: [784, 128] },
      { name: "dense_0/bias", shape: [128] },
      { name: "dense_1/kernel", shape: [128, 10] },
      { name: "dense_1/bias", shape: [10] },
    ]);
    expect(parameterCount(MNIST_MLP)).toBe(784 * 128 + 128 + 128 * 10 + 10);
  });

  it("flattens a multi-dimensional input", () => {
    const spec: ModelSpec = { kind: "mlp", inputShape: [28, 28], layers: [{ units: 10, activation: "softmax" }] };
    expect(layerLayout(spec)[0]).toEqual({ name: "dense_0/kernel", shape: [784, 10] });
  });
});

describe("initialWeights", () => {
  it("gives the same bytes for the same seed and different bytes for another seed", () => {
    const a = initialWeights(MNIST_MLP, 1);
    const b = initialWeights(MNIST_MLP, 1);
    const c = initialWeights(MNIST_MLP, 2);
    expect(sha256(a)).toBe(sha256(b));
    expect(sha256(a)).not.toBe(sha256(c));
  });

  it("pins the genesis bytes of a small model (cross-implementation vector)", () => {
    const spec: ModelSpec = {
      kind: "mlp",
      inputShape: [4],
      layers: [
        { units: 3, activation: "relu" },
        { units: 2, activation: "softmax" },
      ],
    };
    const weights = initialWeights(spec, 0);
    const limit0 = Math.sqrt(6 / 7);
    expect(weights[0]?.[0]).toBe(Math.fround(-limit0 + 2 * limit0 * ((3737715805 >>> 8) * 2 ** -24)));
    // Reproduced independently with a 30-line Python port (SplitMix64, xoshiro128**, struct.pack("<f")).
    expect(sha256(weights)).toBe("4263ee39efd5286da2955fa984abaedba261dee92aedad766d7f4477a8702700");
  });

  it("uses Glorot-uniform kernels and zero biases in layout shapes", () => {
    const weights = initialWeights(MNIST_MLP, 9);
    const layout = layerLayout(MNIST_MLP);
    expect(weights.map((w) => w.length)).toEqual(layout.map((e) => e.shape.reduce((a, b) => a * b, 1)));
    const limit0 = Math.sqrt(6 / (784 + 128));
    const kernel = weights[0] as Float32Array;
    expect(Math.max(...kernel)).toBeLessThanOrEqual(limit0);
    expect(Math.min(...kernel)).toBeGreaterThanOrEqual(-limit0);
    expect(Math.max(...kernel)).toBeGreaterThan(0.95 * limit0);
    expect(weights[1]?.every((v) => v === 0)).toBe(true);
    expect(weights[3]?.every((v) => v === 0)).toBe(true);
  });
});
