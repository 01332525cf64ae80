import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { mulberry32 } from "../data/seededRandom.ts";
import { simpleCnnSpec } from "../model/testSpecs.ts";
import { evaluateModel } from "../training/evaluateModel.ts";
import { layerLayout, type ModelSpec, shapeSize } from "../training/modelSpec.ts";
import type { TrainingData } from "../training/trainingData.ts";
import { createValidationUtility } from "./validationUtility.ts";

const glorot = { class_name: "VarianceScaling", config: { scale: 1, mode: "fan_avg", distribution: "uniform", seed: null } };
type RawLayer = { class_name: string; config: Record<string, unknown> };

function sequential(inputShape: readonly number[], layers: RawLayer[]): ModelSpec {
  const [first, ...rest] = layers as [RawLayer, ...RawLayer[]];
  return { class_name: "Sequential", config: { name: "cnn", layers: [{ ...first, config: { ...first.config, batch_input_shape: [null, ...inputShape] } }, ...rest] } };
}

function images(shape: readonly number[], classes: number, count: number, seed: number): TrainingData {
  const random = mulberry32(seed);
  const size = shapeSize(shape);
  // About a third of the pixels exactly 0 (the skipped taps).
  const features = Float32Array.from({ length: count * size }, () => (random() < 0.3 ? 0 : random() * 2 - 1));
  const labels = Int32Array.from({ length: count }, () => Math.floor(random() * classes));
  return { features, labels, numSamples: count, featureShape: [...shape], numClasses: classes };
}

/** Random weights in layout order (biases and statistics too, so that every term counts); variances positive. */
function randomWeights(spec: ModelSpec, seed: number): Float32Array[] {
  const random = mulberry32(seed);
  return layerLayout(spec).map(({ name, shape }) =>
    Float32Array.from({ length: shapeSize(shape) }, () => (name.endsWith("/moving_variance") ? 0.2 + random() : random() - 0.5)),
  );
}

const flat = (layers: readonly Float32Array[]) => Float64Array.from(layers.flatMap((layer) => [...layer]));

/** The utility against TensorFlow.js's loss (relative 1e-5), and bit-identical on a second call and instance. */
async function expectMatchesTensorFlow(spec: ModelSpec, data: TrainingData, seed: number): Promise<void> {
  const weights = randomWeights(spec, seed);
  const { loss } = await evaluateModel({ spec, weights, data });
  const utility = createValidationUtility(spec, data);
  const value = utility(flat(weights));
  expect(Math.abs(value + loss) / loss).toBeLessThan(1e-5);
  expect(Object.is(utility(flat(weights)), value)).toBe(true);
  expect(Object.is(createValidationUtility(spec, data)(flat(weights)), value)).toBe(true);
}

const conv = (name: string, config: Record<string, unknown>): RawLayer => ({ class_name: "Conv2D", config: { name, kernel_initializer: glorot, ...config } });
const dense = (name: string, units: number, activation = "softmax"): RawLayer => ({ class_name: "Dense", config: { name, units, activation, kernel_initializer: glorot } });

describe("createValidationUtility on CNNs (float64, against TensorFlow.js)", () => {
  it("matches random small CNNs: 3×3 valid and same, strides 1 and 2, max / average / global pooling", async () => {
    const random = mulberry32(42);
    const pick = <T>(options: readonly T[]): T => options[Math.floor(random() * options.length)] as T;
    for (let seed = 1; seed <= 6; seed++) {
      const side = 6 + Math.floor(random() * 4);
      const channels = pick([1, 2]);
      const layers: RawLayer[] = [
        conv("c1", { filters: pick([2, 3]), kernel_size: [3, 3], strides: pick([1, 2]), padding: pick(["valid", "same"]), activation: pick(["relu", "tanh", "sigmoid", "linear"]) }),
        {
          class_name: seed % 2 === 0 ? "MaxPooling2D" : "AveragePooling2D",
          config: { name: "p1", pool_size: seed <= 3 ? [3, 3] : [2, 2], strides: pick([[1, 1], [2, 2], null]), padding: "same" },
        },
        conv("c2", { filters: 3, kernel_size: pick([[3, 3], [2, 3]]), strides: pick([1, 2]), padding: "same", activation: "relu", use_bias: pick([true, false]) }),
        ...(Math.floor(seed / 2) % 2 === 0 ? [{ class_name: "GlobalAveragePooling2D", config: { name: "gap" } }] : [{ class_name: "Flatten", config: { name: "flatten" } }]),
        dense("out", 3),
      ];
      const spec = sequential([side, side, channels], layers);
      await expectMatchesTensorFlow(spec, images([side, side, channels], 3, 6, seed), seed);
    }
  });

  it("matches odd-sized valid pooling, depthwise and separable convolutions, batch norm, reshape, dropout and activation layers", async () => {
    const spec = sequential(
      [7, 9],
      [
        { class_name: "Reshape", config: { name: "reshape", target_shape: [7, 9, 1] } },
        conv("c1", { filters: 4, kernel_size: [3, 3], strides: [2, 1], padding: "same" }),
        { class_name: "BatchNormalization", config: { name: "bn" } },
        { class_name: "Activation", config: { name: "act", activation: "relu" } },
        { class_name: "DepthwiseConv2D", config: { name: "dw", kernel_size: [2, 2], depth_multiplier: 2, depthwise_initializer: glorot, activation: "tanh" } },
        { class_name: "AveragePooling2D", config: { name: "avg", pool_size: [2, 3], strides: [1, 2] } },
        { class_name: "SeparableConv2D", config: { name: "sep", filters: 5, kernel_size: [2, 2], padding: "same", depth_multiplier: 2, depthwise_initializer: glorot, pointwise_initializer: glorot, activation: "sigmoid" } },
        { class_name: "BatchNormalization", config: { name: "bn2", center: false, scale: false, epsilon: 0.01 } },
        { class_name: "MaxPooling2D", config: { name: "max", pool_size: [2, 2], strides: [1, 1] } },
        { class_name: "Flatten", config: { name: "flatten" } },
        { class_name: "Dropout", config: { name: "drop", rate: 0.5 } },
        dense("logits", 4, "linear"),
        { class_name: "Activation", config: { name: "softmax", activation: "softmax" } },
      ],
    );
    await expectMatchesTensorFlow(spec, images([7, 9], 4, 8, 9), 9);
  });

  it("matches simpleCnnSpec (LeNet-style, 28×28) on a few samples", async () => {
    const spec = simpleCnnSpec([28, 28, 1], 10);
    await expectMatchesTensorFlow(spec, images([28, 28, 1], 10, 3, 5), 5);
  });

  it("refuses an activation it does not compute with INVALID_CONFIG naming the layer", () => {
    const spec = sequential([6, 6, 1], [conv("bent", { filters: 2, kernel_size: [3, 3], activation: "elu" }), { class_name: "Flatten", config: { name: "f" } }, dense("out", 2)]);
    const error = (() => {
      try {
        createValidationUtility(spec, images([6, 6, 1], 2, 2, 1));
      } catch (e) {
        return e;
      }
    })();
    expect(isFedLedgerError(error, "INVALID_CONFIG")).toBe(true);
    expect(String((error as Error).message)).toMatch(/activation elu \(layer bent\)/);
  });
});
