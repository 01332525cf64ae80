import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { selectBackend } from "./backend.ts";
import { buildModel } from "./buildModel.ts";
import { evaluateModel } from "./evaluateModel.ts";
import { initialWeights } from "./initialWeights.ts";
import { layerLayout, type MlpSpec, type ModelSpec } from "./modelSpec.ts";
import { createSeededRandom, fillUniform } from "./seededUniform.ts";

const SPEC: MlpSpec = {
  kind: "mlp",
  inputShape: [4],
  layers: [
    { units: 5, activation: "tanh" },
    { units: 3, activation: "sigmoid" },
    { units: 3, activation: "softmax" },
  ],
};

/** A plain-JS forward pass: the reference the tfjs paths must agree with. */
function referenceProbabilities(spec: MlpSpec, weights: Float32Array[], row: Float32Array): number[] {
  let h = Array.from(row);
  spec.layers.forEach((layer, l) => {
    const kernel = weights[2 * l] as Float32Array;
    const bias = weights[2 * l + 1] as Float32Array;
    const z = Array.from(bias, (b, j) => h.reduce((sum, x, i) => sum + x * (kernel[i * layer.units + j] as number), b));
    if (layer.activation === "softmax") {
      const max = Math.max(...z);
      const exp = z.map((v) => Math.exp(v - max));
      const total = exp.reduce((a, b) => a + b, 0);
      h = exp.map((v) => v / total);
    } else if (layer.activation === "tanh") h = z.map(Math.tanh);
    else if (layer.activation === "sigmoid") h = z.map((v) => 1 / (1 + Math.exp(-v)));
    else if (layer.activation === "relu") h = z.map((v) => Math.max(0, v));
    else h = z;
  });
  return h;
}

function randomWeights(spec: ModelSpec, seed: number): Float32Array[] {
  const random = createSeededRandom(seed);
  return layerLayout(spec).map(({ shape }) =>
    fillUniform(random, new Float32Array(shape.reduce((a, b) => a * b, 1)), -1, 1),
  );
}

beforeAll(async () => {
  await selectBackend();
});

describe("buildModel", () => {
  it("orders getWeights() as layerLayout and loads given weights", () => {
    const weights = initialWeights(SPEC, 4);
    const model = buildModel(SPEC, weights);
    const modelWeights = model.getWeights();
    expect(modelWeights.map((t) => t.shape)).toEqual(layerLayout(SPEC).map((e) => e.shape));
    expect(modelWeights.map((t) => t.dataSync())).toEqual(weights);
    expect(model.layers.map((layer) => layer.name)).toEqual(["dense_0", "dense_1", "dense_2"]);
    model.dispose();
  });

  it("predicts like a plain-JS forward pass, and evaluateModel agrees with it", async () => {
    const weights = randomWeights(SPEC, 8);
    const rows = 7;
    const features = fillUniform(createSeededRandom(9), new Float32Array(rows * 4), -2, 2);
    const labels = Int32Array.from({ length: rows }, (_, i) => i % 3);
    const model = buildModel(SPEC, weights);
    const predicted = tf.tidy(() =>
      (model.predict(tf.tensor2d(features, [rows, 4])) as tf.Tensor).arraySync(),
    ) as number[][];
    model.dispose();

    let loss = 0;
    let correct = 0;
    for (let r = 0; r < rows; r++) {
      const expected = referenceProbabilities(SPEC, weights, features.subarray(r * 4, r * 4 + 4));
      expected.forEach((p, k) => expect(predicted[r]?.[k]).toBeCloseTo(p, 5));
      const label = labels[r] as number;
      loss -= Math.log(expected[label] as number);
      if (expected.indexOf(Math.max(...expected)) === label) correct++;
    }
    const metrics = await evaluateModel({
      spec: SPEC,
      weights,
      data: { features, labels, numSamples: rows, featureShape: [4], numClasses: 3 },
    });
    expect(metrics.loss).toBeCloseTo(loss / rows, 5);
    expect(metrics.accuracy).toBeCloseTo(correct / rows, 10);
  });

  it("adds a Flatten layer for a multi-dimensional input", () => {
    const spec: ModelSpec = { kind: "mlp", inputShape: [2, 3], layers: [{ units: 2, activation: "softmax" }] };
    const model = buildModel(spec, initialWeights(spec, 1));
    const output = tf.tidy(() => (model.predict(tf.ones([5, 2, 3])) as tf.Tensor).shape);
    expect(output).toEqual([5, 2]);
    model.dispose();
  });

  it("rejects weights that do not match the spec with SHAPE_MISMATCH and leaks nothing", () => {
    const before = tf.memory().numTensors;
    let caught: unknown;
    try {
      buildModel(SPEC, initialWeights(SPEC, 1).slice(1));
    } catch (error) {
      caught = error;
    }
    expect(isFedLedgerError(caught, "SHAPE_MISMATCH")).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
