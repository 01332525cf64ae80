import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { mulberry32 } from "../data/seededRandom.ts";
import { evaluateModel } from "../training/evaluateModel.ts";
import { initialWeights } from "../training/initialWeights.ts";
import type { ModelSpec } from "../training/modelSpec.ts";
import type { TrainingData } from "../training/trainingData.ts";
import { createValidationUtility, MAX_VALIDATION_LOSS } from "./validationUtility.ts";

function randomData(features: number, classes: number, count: number, seed: number): TrainingData {
  const random = mulberry32(seed);
  // About a third of the inputs are exactly 0, as in image data (the sparse path).
  const values = Float32Array.from({ length: count * features }, () => (random() < 0.35 ? 0 : random() * 2 - 1));
  const labels = Int32Array.from({ length: count }, () => Math.floor(random() * classes));
  return { features: values, labels, numSamples: count, featureShape: [features], numClasses: classes };
}

const flat = (layers: readonly Float32Array[]) => Float64Array.from(layers.flatMap((layer) => [...layer]));

describe("createValidationUtility", () => {
  it("is minus the mean crossentropy TensorFlow.js measures, for every hidden activation", async () => {
    for (const activation of ["relu", "tanh", "sigmoid", "linear"] as const) {
      const spec: ModelSpec = {
        kind: "mlp",
        inputShape: [6],
        layers: [
          { units: 8, activation },
          { units: 5, activation: "relu" },
          { units: 3, activation: "softmax" },
        ],
      };
      const data = randomData(6, 3, 50, 3);
      const weights = initialWeights(spec, 11);
      const { loss } = await evaluateModel({ spec, weights, data });
      expect(createValidationUtility(spec, data)(flat(weights))).toBeCloseTo(-loss, 5);
    }
  });

  it("reads a Dense first layer's inputs sparsely with the documented dense arithmetic, bit for bit", () => {
    const spec: ModelSpec = { kind: "mlp", inputShape: [6], layers: [{ units: 4, activation: "relu" }, { units: 3, activation: "softmax" }] };
    const data = randomData(6, 3, 40, 5);
    const w = flat(initialWeights(spec, 9));
    // The documented order: z_j = b_j, then z_j += x_k · W[k, j], k ascending, zeros skipped.
    // Layout: kernel [6, 4], bias [4], kernel [4, 3], bias [3].
    const dense = (x: ArrayLike<number>, fanIn: number, units: number, kernel: number, bias: number) => {
      const z = Array.from({ length: units }, (_, j) => w[bias + j]!);
      for (let k = 0; k < fanIn; k++) {
        if (x[k] === 0) continue;
        for (let j = 0; j < units; j++) z[j] = z[j]! + x[k]! * w[kernel + k * units + j]!;
      }
      return z;
    };
    let lossSum = 0;
    for (let r = 0; r < data.numSamples; r++) {
      const hidden = dense(Array.from(data.features.subarray(r * 6, r * 6 + 6)), 6, 4, 0, 24).map((v) => (v > 0 ? v : 0));
      const z = dense(hidden, 4, 3, 28, 40);
      const m = Math.max(...z);
      lossSum += m - z[data.labels[r]!]! + Math.log(z.reduce((sum, v) => sum + Math.exp(v - m), 0));
    }
    expect(createValidationUtility(spec, data)(w)).toBe(-(lossSum / data.numSamples));
  });

  it("gives bit-identical results across calls and instances", () => {
    const spec: ModelSpec = { kind: "mlp", inputShape: [6], layers: [{ units: 4, activation: "tanh" }, { units: 3, activation: "softmax" }] };
    const data = randomData(6, 3, 40, 4);
    const weights = flat(initialWeights(spec, 2));
    const first = createValidationUtility(spec, data)(weights);
    expect(Object.is(createValidationUtility(spec, data)(weights), first)).toBe(true);
    expect(Object.is(createValidationUtility(spec, data)(weights.slice()), first)).toBe(true);
  });

  it("caps an enormous or non-finite loss at MAX_VALIDATION_LOSS", () => {
    const spec: ModelSpec = { kind: "mlp", inputShape: [6], layers: [{ units: 3, activation: "softmax" }] };
    const data = randomData(6, 3, 20, 5);
    const utility = createValidationUtility(spec, data);
    expect(utility(new Float64Array(21).fill(1e300).map((v, i) => (i % 2 ? -v : v)))).toBe(-MAX_VALIDATION_LOSS);
    expect(utility(new Float64Array(21).fill(Number.NaN))).toBe(-MAX_VALIDATION_LOSS);
  });

  it("refuses weights of the wrong size (SHAPE_MISMATCH) and data that does not fit the model", () => {
    const spec: ModelSpec = { kind: "mlp", inputShape: [6], layers: [{ units: 3, activation: "softmax" }] };
    const error = (() => {
      try {
        createValidationUtility(spec, randomData(6, 3, 5, 1))(new Float64Array(20));
      } catch (e) {
        return e;
      }
    })();
    expect(isFedLedgerError(error, "SHAPE_MISMATCH")).toBe(true);
    expect(() => createValidationUtility(spec, randomData(5, 3, 5, 1))).toThrow(/Feature shape/);
  });
});
