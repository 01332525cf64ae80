import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { createDataset } from "../data/Dataset.ts";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { simpleCnnSpec } from "../model/testSpecs.ts";
import { selectBackend } from "./backend.ts";
import { buildModel } from "./buildModel.ts";
import { evaluateModel } from "./evaluateModel.ts";
import { initialWeights } from "./initialWeights.ts";
import { compileModelSpec, layerLayout, type ModelSpec, parseModelSpec } from "./modelSpec.ts";
import { networkForward } from "./networkForward.ts";
import { createSeededRandom, fillUniform } from "./seededUniform.ts";
import { trainLocal } from "./trainLocal.ts";

/** 12×12 images (featureShape [12, 12], as IDX gives them): class 0 bright left half, class 1 bright right half. */
function halvesDataset(count: number, seed: number, numClasses = 2) {
  const random = createSeededRandom(seed);
  const features = fillUniform(random, new Float32Array(count * 144), 0, 0.3);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const label = n % 2;
    labels[n] = label;
    for (let r = 0; r < 12; r++) for (let c = label * 6; c < label * 6 + 6; c++) features[n * 144 + r * 12 + c] = (features[n * 144 + r * 12 + c] as number) + 0.7;
  }
  return createDataset({ features, labels, featureShape: [12, 12], numClasses });
}

const SMALL_CNN: ModelSpec = {
  class_name: "Sequential",
  config: {
    layers: [
      { class_name: "Conv2D", config: { name: "c1", filters: 4, kernel_size: 3, activation: "relu", kernel_initializer: { class_name: "HeUniform" }, batch_input_shape: [null, 12, 12, 1] } },
      { class_name: "BatchNormalization", config: { name: "bn", momentum: 0.5 } },
      { class_name: "MaxPooling2D", config: { name: "p1" } },
      { class_name: "Dropout", config: { name: "drop", rate: 0.2 } },
      { class_name: "Flatten", config: { name: "f" } },
      { class_name: "Dense", config: { name: "out", units: 3, activation: "softmax", kernel_initializer: { class_name: "GlorotUniform" } } },
    ],
  },
};

beforeAll(async () => {
  await selectBackend();
});

describe("training Keras-style models through TensorFlow.js autodiff", () => {
  it("trains a CNN with BatchNormalization and Dropout on 2-D images: learns, moves BN statistics, is reproducible", async () => {
    const spec = parseModelSpec(SMALL_CNN);
    // The model has 3 classes; the party holds only 2 of them.
    const data = halvesDataset(128, 1);
    const global = initialWeights(spec, 5);
    const config = { epochs: 4, batchSize: 16, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-4, seed: 3 };
    const result = await trainLocal({ spec, globalWeights: global, data, config });
    expect(result.metrics.accuracy).toBeGreaterThan(0.9);
    const layout = layerLayout(spec);
    const movingMean = layout.findIndex((e) => e.name === "bn/moving_mean");
    expect(result.update[movingMean]?.some((v) => v !== 0)).toBe(true);
    const again = await trainLocal({ spec, globalWeights: global, data, config });
    expect(again.weights).toEqual(result.weights);
    const evaluation = await evaluateModel({ spec, weights: result.weights, data: halvesDataset(64, 2) });
    expect(evaluation.accuracy).toBeGreaterThan(0.9);
  });

  it("trains simple-cnn one step on 28×28 images given as [28, 28] (IDX) for input [28, 28, 1]", async () => {
    const spec = parseModelSpec(simpleCnnSpec());
    const random = createSeededRandom(9);
    const data = createDataset({ features: fillUniform(random, new Float32Array(8 * 784), 0, 1), labels: Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), featureShape: [28, 28], numClasses: 4 });
    const result = await trainLocal({ spec, globalWeights: initialWeights(spec, 1), data, config: { epochs: 1, batchSize: 8, learningRate: 0.01, momentum: 0.9 } });
    expect(result.update.every((delta) => delta.every(Number.isFinite))).toBe(true);
    expect(result.update[0]?.some((v) => v !== 0)).toBe(true);
  });

  it("names the expected and actual shapes when data does not fit the model", async () => {
    const spec = parseModelSpec(simpleCnnSpec());
    const data = createDataset({ features: new Float32Array(2 * 784), labels: Int32Array.from([0, 1]), featureShape: [784], numClasses: 2 });
    const failure = await trainLocal({ spec, globalWeights: initialWeights(spec, 1), data, config: { epochs: 1, batchSize: 2, learningRate: 0.01 } }).catch((error: unknown) => error);
    expect(isFedLedgerError(failure, "SHAPE_MISMATCH")).toBe(true);
    expect((failure as Error).message).toContain("[784]");
    expect((failure as Error).message).toContain("[28,28,1]");
  });

  it("the inference forward pass equals the exported tf.LayersModel's predict (every layer family)", () => {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [10, 10, 2], filters: 3, kernelSize: 3, activation: "relu", name: "c" }));
    model.add(tf.layers.batchNormalization({ name: "bn" }));
    model.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: "same", activation: "tanh", name: "dw" }));
    model.add(tf.layers.separableConv2d({ kernelSize: 3, filters: 4, name: "sep" }));
    model.add(tf.layers.averagePooling2d({ poolSize: 2, name: "avg" }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: "same", name: "max" }));
    model.add(tf.layers.reshape({ targetShape: [3, 3, 4], name: "rs" }));
    model.add(tf.layers.globalAveragePooling2d({ name: "gap" }));
    model.add(tf.layers.dropout({ rate: 0.5, name: "drop" }));
    model.add(tf.layers.dense({ units: 6, activation: "elu", name: "d" }));
    model.add(tf.layers.dense({ units: 3, activation: "softmax", name: "out" }));
    const spec = parseModelSpec(model.toJSON(undefined, false));
    model.dispose();
    const random = createSeededRandom(11);
    const weights = layerLayout(spec).map(({ name, shape }) =>
      name.endsWith("moving_variance") ? fillUniform(random, new Float32Array(shape.reduce((a, b) => a * b, 1)), 0.5, 2) : fillUniform(random, new Float32Array(shape.reduce((a, b) => a * b, 1)), -0.5, 0.5),
    );
    const x = fillUniform(random, new Float32Array(4 * 200), -1, 1);
    const built = buildModel(spec, weights);
    const expected = tf.tidy(() => (built.predict(tf.tensor4d(x, [4, 10, 10, 2])) as tf.Tensor).dataSync());
    built.dispose();
    const actual = tf.tidy(() => {
      const tensors = layerLayout(spec).map((e, i) => tf.tensor(weights[i] as Float32Array, [...e.shape]));
      return tf.softmax(networkForward(compileModelSpec(spec), tensors, tf.tensor2d(x, [4, 200]), { training: false, seed: 0 }).logits).dataSync();
    });
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i] as number, 4);
  });
});
