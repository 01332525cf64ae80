import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { initialWeights } from "../training/initialWeights.ts";
import { compileModelSpec, layerLayout, parameterCount, parseModelSpec } from "../training/modelSpec.ts";
import { simpleCnnSpec } from "./testSpecs.ts";

function sha256(arrays: Float32Array[]): string {
  const hash = createHash("sha256");
  for (const a of arrays) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return hash.digest("hex");
}

function rejection(input: unknown): string {
  try {
    parseModelSpec(input);
  } catch (error) {
    expect(isFedLedgerError(error, "INVALID_CONFIG")).toBe(true);
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("accepted");
}

/** A real TensorFlow.js model's toJSON, with every allowed layer family. */
function tfjsTopology(): unknown {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: "relu", name: "c1" }));
  model.add(tf.layers.batchNormalization({ name: "bn" }));
  model.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, name: "dw", padding: "same" }));
  model.add(tf.layers.separableConv2d({ kernelSize: 3, filters: 6, name: "sep" }));
  model.add(tf.layers.averagePooling2d({ poolSize: 2, name: "avg" }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: "same", name: "max" }));
  model.add(tf.layers.reshape({ targetShape: [4, 4, 6], name: "rs" }));
  model.add(tf.layers.globalAveragePooling2d({ name: "gap" }));
  model.add(tf.layers.dropout({ rate: 0.25, name: "drop" }));
  model.add(tf.layers.dense({ units: 5, name: "out" }));
  model.add(tf.layers.activation({ activation: "softmax", name: "sm" }));
  const json = model.toJSON(undefined, false);
  const names = model.weights.map((w) => `${w.originalName}`);
  const shapes = model.weights.map((w) => w.shape);
  model.dispose();
  return { json, names, shapes };
}

describe("model spec: TensorFlow.js Layers topology", () => {
  it("accepts a real model.toJSON() and lays weights out in the model's own order, names and shapes", () => {
    const { json, names, shapes } = tfjsTopology() as { json: unknown; names: string[]; shapes: number[][] };
    const spec = parseModelSpec(JSON.parse(JSON.stringify(json)));
    const layout = layerLayout(spec);
    expect(layout.map((e) => e.name)).toEqual(names);
    expect(layout.map((e) => e.shape)).toEqual(shapes);
    expect(compileModelSpec(spec).numClasses).toBe(5);
    expect(compileModelSpec(spec).inputShape).toEqual([12, 12, 1]);
  });

  it("lays out and initialises simple-cnn deterministically, every kernel per its initializer (pinned by hash)", () => {
    const spec = parseModelSpec(simpleCnnSpec());
    expect(layerLayout(spec)).toEqual([
      { name: "conv1/kernel", shape: [5, 5, 1, 6] },
      { name: "conv1/bias", shape: [6] },
      { name: "conv2/kernel", shape: [5, 5, 6, 16] },
      { name: "conv2/bias", shape: [16] },
      { name: "fc1/kernel", shape: [256, 120] },
      { name: "fc1/bias", shape: [120] },
      { name: "fc2/kernel", shape: [120, 84] },
      { name: "fc2/bias", shape: [84] },
      { name: "fc3/kernel", shape: [84, 10] },
      { name: "fc3/bias", shape: [10] },
    ]);
    expect(parameterCount(spec)).toBe(44_426);
    const genesis = initialWeights(spec, 7);
    expect(sha256(initialWeights(spec, 7))).toBe(sha256(genesis));
    expect(sha256(initialWeights(spec, 8))).not.toBe(sha256(genesis));
    // conv1 kernel: Glorot uniform over fanIn 25, fanOut 150 (4-D kernels are not zeroed).
    const limit = Math.sqrt(6 / (25 + 150));
    const conv1 = genesis[0] as Float32Array;
    expect(conv1.some((v) => v !== 0)).toBe(true);
    expect(Math.max(...conv1.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(genesis[1]?.every((v) => v === 0)).toBe(true);
    expect(sha256(genesis)).toMatchInlineSnapshot(`"b9f57f6769f611c1d9583a08cb1c1e502b28497cf02b58f3d8aa13a912e52e15"`);
  });

  it("initialises BatchNormalization gamma and moving variance to ones, others by their initializers", () => {
    const { json } = tfjsTopology() as { json: unknown };
    const spec = parseModelSpec(json);
    const layout = layerLayout(spec);
    const weights = initialWeights(spec, 1);
    const at = (name: string) => weights[layout.findIndex((e) => e.name === name)] as Float32Array;
    expect([...at("bn/gamma")]).toEqual([1, 1, 1, 1]);
    expect([...at("bn/moving_variance")]).toEqual([1, 1, 1, 1]);
    expect([...at("bn/moving_mean")]).toEqual([0, 0, 0, 0]);
    expect(at("dw/depthwise_kernel").some((v) => v !== 0)).toBe(true);
    expect(at("sep/pointwise_kernel").some((v) => v !== 0)).toBe(true);
  });

  it("refuses layers outside the allow-list, naming the layer", () => {
    const spec = simpleCnnSpec() as { config: { layers: unknown[] } };
    spec.config.layers.splice(1, 0, { class_name: "LSTM", config: { name: "rnn", units: 4 } });
    expect(rejection(spec)).toMatch(/layers\[1\] \(LSTM\).*not allowed/);
    const lambda = simpleCnnSpec() as { config: { layers: unknown[] } };
    lambda.config.layers.splice(1, 0, { class_name: "Lambda", config: { name: "l", function: "process.exit()" } });
    expect(rejection(lambda)).toMatch(/Lambda/);
  });

  it.each([
    ["huge units", (l: Record<string, unknown>[]) => Object.assign(l[5]!, { units: 1e9 })],
    ["too many parameters", (l: Record<string, unknown>[]) => Object.assign(l[5]!, { units: 16_000 }) && Object.assign(l[6]!, { units: 16_000 })],
    ["huge kernel", (l: Record<string, unknown>[]) => Object.assign(l[0]!, { kernel_size: [99, 99] })],
    ["kernel larger than the input", (l: Record<string, unknown>[]) => Object.assign(l[2]!, { kernel_size: [15, 15] })],
    ["constructor key", (l: Record<string, unknown>[]) => Object.assign(l[5]!, { constructor: { name: "x" } })],
    ["nested unknown config", (l: Record<string, unknown>[]) => Object.assign(l[5]!, { kernel_initializer: { class_name: "VarianceScaling", config: { scale: 1, mode: "fan_avg", distribution: "uniform", deep: { a: { b: {} } } } } })],
    ["regularizer", (l: Record<string, unknown>[]) => Object.assign(l[5]!, { kernel_regularizer: { class_name: "L1L2", config: { l1: 1 } } })],
    ["unknown activation", (l: Record<string, unknown>[]) => Object.assign(l[5]!, { activation: "eval" })],
    ["hidden softmax", (l: Record<string, unknown>[]) => Object.assign(l[5]!, { activation: "softmax" })],
    ["duplicate names", (l: Record<string, unknown>[]) => Object.assign(l[6]!, { name: "fc1" })],
    ["channels_first", (l: Record<string, unknown>[]) => Object.assign(l[0]!, { data_format: "channels_first" })],
    ["dilation", (l: Record<string, unknown>[]) => Object.assign(l[0]!, { dilation_rate: [2, 2] })],
    ["second input shape", (l: Record<string, unknown>[]) => Object.assign(l[2]!, { batch_input_shape: [null, 3] })],
  ])("refuses %s", (_name, mutate) => {
    const spec = simpleCnnSpec() as { config: { layers: { config: Record<string, unknown> }[] } };
    mutate(spec.config.layers.map((layer) => layer.config));
    rejection(JSON.parse(JSON.stringify(spec)));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses prototype keys anywhere in a layer config, and pollutes nothing", () => {
    const text = JSON.stringify(simpleCnnSpec());
    for (const [target, injected] of [
      ['"name":"fc1"', '"name":"fc1","__proto__":{"polluted":true}'],
      ['"name":"flatten"', '"name":"flatten","data_format":{"__proto__":{"polluted":true}}'],
    ] as const) {
      const hostile: unknown = JSON.parse(text.replace(target, injected));
      expect(rejection(hostile)).toMatch(/__proto__/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses a model whose output is not a softmax vector, or without an input shape", () => {
    const spec = simpleCnnSpec() as { config: { layers: { config: Record<string, unknown> }[] } };
    spec.config.layers[7]!.config.activation = "relu";
    expect(rejection(spec)).toMatch(/softmax/);
    const noInput = simpleCnnSpec() as { config: { layers: { config: Record<string, unknown> }[] } };
    delete noInput.config.layers[0]!.config.batch_input_shape;
    expect(rejection(noInput)).toMatch(/batch_input_shape/);
    expect(rejection({ class_name: "Sequential", config: { layers: Array.from({ length: 65 }, () => ({ class_name: "Dropout", config: { name: "d", rate: 0 } })) } })).toMatch(/layers/);
    expect(rejection({ kind: "mlp", inputShape: [4], layers: [{ units: 3, activation: "relu" }] })).toMatch(/softmax/);
    expect(rejection({ class_name: "Functional", config: { layers: [] } })).toBeTruthy();
  });

  it("keeps the MLP shorthand's layout: the same as the equivalent Sequential spec", () => {
    const mlp = parseModelSpec({ kind: "mlp", inputShape: [28, 28], layers: [{ units: 16, activation: "relu" }, { units: 10, activation: "softmax" }] });
    const topology = compileModelSpec(mlp).kerasTopology(false);
    const sequential = parseModelSpec(topology);
    expect(layerLayout(sequential)).toEqual(layerLayout(mlp));
    expect(sha256(initialWeights(sequential, 3))).toBe(sha256(initialWeights(mlp, 3)));
  });
});
