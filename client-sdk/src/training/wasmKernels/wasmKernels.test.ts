import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../backend.ts";
import { createSeededRandom, fillUniform } from "../seededUniform.ts";
import { WASM_MISSING_TRAINING_KERNELS, WASM_REPLACED_TRAINING_KERNELS } from "./registerWasmTrainingKernels.ts";

type Case = { name: string; shapes: number[][]; f: (...xs: tf.Tensor[]) => tf.Tensor };

const CASES: Case[] = [
  { name: "conv2d valid", shapes: [[2, 9, 9, 3], [3, 3, 3, 4]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "valid") },
  { name: "conv2d same, stride 2", shapes: [[2, 10, 9, 3], [5, 5, 3, 2]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same") },
  { name: "conv2d valid, stride [2,3]", shapes: [[1, 11, 13, 2], [3, 2, 2, 3]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, [2, 3], "valid") },
  { name: "conv2d same, 5×5", shapes: [[2, 8, 8, 6], [5, 5, 6, 4]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same") },
  { name: "conv2d padding wider than the filter", shapes: [[1, 6, 5, 2], [3, 3, 2, 3]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, [[0, 0], [3, 1], [0, 4], [0, 0]]) },
  { name: "depthwise same, multiplier 2", shapes: [[2, 7, 7, 3], [3, 3, 3, 2]], f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same") },
  { name: "depthwise valid, stride 2", shapes: [[2, 9, 9, 2], [3, 3, 2, 1]], f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "valid") },
  { name: "separable", shapes: [[2, 8, 8, 3], [3, 3, 3, 1], [1, 1, 3, 4]], f: (x, d, p) => tf.separableConv2d(x as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, 1, "same") },
  { name: "maxPool", shapes: [[2, 8, 8, 3]], f: (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, "valid") },
  { name: "maxPool same, overlapping", shapes: [[2, 7, 7, 3]], f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, "same") },
  { name: "avgPool same", shapes: [[2, 7, 7, 3]], f: (x) => tf.avgPool(x as tf.Tensor4D, 3, 2, "same") },
  { name: "bias add over channels", shapes: [[2, 5, 7, 6], [6]], f: (a, b) => tf.add(a, b) },
  { name: "bias add over channels, [1, 1, c] bias", shapes: [[5, 4, 6], [1, 1, 6]], f: (a, b) => tf.add(a, b) },
  { name: "add, broadcast over rows", shapes: [[4, 40], [40]], f: (a, b) => tf.add(a, b) },
  { name: "matMul, b transposed, short a", shapes: [[3, 5], [40, 5]], f: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true) },
  { name: "matMul, both transposed", shapes: [[5, 7], [3, 5]], f: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, true) },
  { name: "batched matMul, transposed", shapes: [[2, 4, 3], [2, 4, 5]], f: (a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, true, false) },
];

/** Values and gradients of sum(f(x)·r), with r a fixed random weighting, on `backend`. */
async function gradientsOn(backend: "cpu" | "wasm", testCase: Case): Promise<Float32Array[]> {
  await selectBackend({ preferred: backend });
  expect(tf.getBackend()).toBe(backend);
  const random = createSeededRandom(testCase.name.length * 7919);
  return tf.tidy(() => {
    const inputs = testCase.shapes.map((shape) => tf.tensor(fillUniform(random, new Float32Array(shape.reduce((a, b) => a * b, 1)), -1, 1), shape));
    const probe = testCase.f(...inputs);
    const weighting = tf.tensor(fillUniform(random, new Float32Array(probe.size), -1, 1), probe.shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(testCase.f(...xs), weighting)))(inputs);
    return [probe, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

describe("wasm training kernels", () => {
  beforeAll(async () => {
    await selectBackend({ preferred: "wasm" });
  });
  afterAll(async () => {
    await selectBackend();
  });

  it("registers every gradient kernel training needs that wasm lacks", () => {
    for (const name of [...WASM_MISSING_TRAINING_KERNELS, ...WASM_REPLACED_TRAINING_KERNELS]) expect(tf.getKernel(name, "wasm"), name).toBeDefined();
  });

  it.each(CASES.map((c) => [c.name, c] as const))("%s: wasm gradients match the cpu backend's", async (_name, testCase) => {
    const cpu = await gradientsOn("cpu", testCase);
    const wasm = await gradientsOn("wasm", testCase);
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((expected, index) => {
      const actual = wasm[index] as Float32Array;
      expect(actual.length).toBe(expected.length);
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
      expect(worst, `output ${index}`).toBeLessThan(1e-4);
    });
    const before = tf.memory().numTensors;
    await gradientsOn("wasm", testCase);
    expect(tf.memory().numTensors).toBe(before);
  });
});
