import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "../errors/codes.ts";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { selectBackend } from "./backend.ts";
import { buildModel } from "./buildModel.ts";
import { evaluateModel } from "./evaluateModel.ts";
import { initialWeights } from "./initialWeights.ts";
import type { ModelSpec } from "./modelSpec.ts";
import { createSeededRandom, fillUniform } from "./seededUniform.ts";
import type { TrainConfigInput } from "./trainConfig.ts";
import type { TrainingData } from "./trainingData.ts";
import { type TrainLocalParameters, type TrainProgress, trainLocal } from "./trainLocal.ts";

const DIMS = 10;
const CLASSES = 3;
const SPEC: ModelSpec = {
  kind: "mlp",
  inputShape: [DIMS],
  layers: [
    { units: 16, activation: "relu" },
    { units: CLASSES, activation: "softmax" },
  ],
};
const CONFIG: TrainConfigInput = { epochs: 8, batchSize: 16, learningRate: 0.1, seed: 1 };

/** Gaussian-free, linearly separable blobs: class centres in [-2, 2]^d, noise in ±0.4. */
function separableData(numSamples: number, seed: number): TrainingData {
  const random = createSeededRandom(seed);
  const centres = fillUniform(random, new Float32Array(CLASSES * DIMS), -2, 2);
  const features = new Float32Array(numSamples * DIMS);
  const labels = new Int32Array(numSamples);
  for (let i = 0; i < numSamples; i++) {
    const label = i % CLASSES;
    labels[i] = label;
    for (let d = 0; d < DIMS; d++) {
      features[i * DIMS + d] = (centres[label * DIMS + d] as number) + (random.nextFloat() - 0.5) * 0.8;
    }
  }
  return { features, labels, numSamples, featureShape: [DIMS], numClasses: CLASSES };
}

const DATA = separableData(600, 11);
const GLOBAL = initialWeights(SPEC, 3);

function round(overrides: Partial<TrainLocalParameters> = {}): Promise<Awaited<ReturnType<typeof trainLocal>>> {
  return trainLocal({ spec: SPEC, globalWeights: GLOBAL, data: DATA, config: CONFIG, ...overrides });
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(isFedLedgerError(caught, code), `expected ${code}, got ${String(caught)}`).toBe(true);
}

function norm(arrays: readonly Float32Array[]): number {
  let sum = 0;
  for (const a of arrays) for (const v of a) sum += v * v;
  return Math.sqrt(sum);
}

beforeAll(async () => {
  await selectBackend();
});

describe("trainLocal", () => {
  it("learns separable data: loss falls and accuracy rises", async () => {
    const before = await evaluateModel({ spec: SPEC, weights: GLOBAL, data: DATA });
    const events: TrainProgress[] = [];
    const result = await round({ onProgress: (event) => events.push(event) });
    const after = await evaluateModel({ spec: SPEC, weights: result.weights, data: DATA });

    expect(before.accuracy).toBeLessThan(0.7);
    expect(after.loss).toBeLessThan(before.loss * 0.3);
    expect(after.accuracy).toBeGreaterThan(0.95);
    expect(result.metrics.accuracy).toBeGreaterThan(0.95);
    expect(result.metrics.loss).toBeLessThan(before.loss * 0.3);
    expect(result.numSamples).toBe(600);
    expect(result.seconds).toBeGreaterThan(0);

    const epochEnds = events.filter((event) => event.batch === event.batches);
    expect(epochEnds.map((event) => event.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(epochEnds.at(-1)?.loss).toBeLessThan(epochEnds[0]?.loss ?? 0);
    for (const event of events) {
      expect(event).toMatchObject({ epochs: 8, batches: Math.ceil(600 / 16) });
      expect(event.samplesPerSec).toBeGreaterThan(0);
      expect(Number.isFinite(event.loss)).toBe(true);
    }
  });

  it("returns update = local - global exactly, and the local weights load into buildModel", async () => {
    const result = await round({ config: { ...CONFIG, epochs: 1 } });
    expect(result.update).toHaveLength(4);
    result.update.forEach((update, i) => {
      const local = result.weights[i] as Float32Array;
      const global = GLOBAL[i] as Float32Array;
      expect(update.length).toBe(global.length);
      for (let j = 0; j < update.length; j++) {
        expect(update[j]).toBe(Math.fround((local[j] as number) - (global[j] as number)));
      }
    });
    expect(norm(result.update)).toBeGreaterThan(0);

    const model = buildModel(SPEC, result.weights);
    const modelWeights = model.getWeights().map((tensor) => tensor.dataSync());
    model.dispose();
    expect(modelWeights).toEqual(result.weights);
  });

  it("keeps weights closer to the global model with a large FedProx mu", async () => {
    const fedAvg = await round({ config: { ...CONFIG, proximalMu: 0 } });
    const fedProx = await round({ config: { ...CONFIG, proximalMu: 5 } });
    expect(norm(fedProx.update)).toBeLessThan(0.5 * norm(fedAvg.update));
    expect(fedProx.metrics.accuracy).toBeGreaterThan(0.5);
  });

  it("is deterministic for the same inputs and seed", async () => {
    const a = await round({ config: { ...CONFIG, epochs: 2 } });
    const b = await round({ config: { ...CONFIG, epochs: 2 } });
    const c = await round({ config: { ...CONFIG, epochs: 2, seed: 2 } });
    expect(b.update).toEqual(a.update);
    expect(c.update).not.toEqual(a.update);
  });

  it("holds out evaluateFraction and reports eval metrics", async () => {
    const result = await round({ config: { ...CONFIG, evaluateFraction: 0.25 } });
    expect(result.numSamples).toBe(450);
    expect(result.metrics.evalAccuracy).toBeGreaterThan(0.9);
    expect(result.metrics.evalLoss).toBeGreaterThan(0);
  });

  it("trains with adam", async () => {
    const result = await round({ config: { ...CONFIG, optimizer: "adam", learningRate: 0.01 } });
    expect(result.metrics.accuracy).toBeGreaterThan(0.95);
  });

  it("flattens a multi-dimensional feature shape", async () => {
    const spec: ModelSpec = { ...SPEC, inputShape: [2, 5] };
    const result = await trainLocal({
      spec,
      globalWeights: initialWeights(spec, 3),
      data: { ...DATA, featureShape: [2, 5] },
      config: CONFIG,
    });
    expect(result.metrics.accuracy).toBeGreaterThan(0.95);
  });

  it("leaks no tensors across rounds, also after a failed round", async () => {
    await round({ config: { ...CONFIG, epochs: 1, optimizer: "adam" } });
    const baseline = tf.memory().numTensors;
    await round({ config: { ...CONFIG, epochs: 1, optimizer: "adam", evaluateFraction: 0.1 } });
    expect(tf.memory().numTensors).toBe(baseline);
    await round({ config: { ...CONFIG, epochs: 1, proximalMu: 0.1 } });
    expect(tf.memory().numTensors).toBe(baseline);
    await expectCode(
      round({
        data: { ...DATA, features: DATA.features.map((v) => v * 1e18) },
        config: { ...CONFIG, learningRate: 10 },
      }),
      "TRAINING_ERROR",
    );
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it("fails with TRAINING_ERROR when the loss diverges", async () => {
    const exploding = { ...DATA, features: DATA.features.map((v) => v * 1e18) };
    await expectCode(round({ data: exploding, config: { ...CONFIG, learningRate: 10 } }), "TRAINING_ERROR");
  });

  it("stops with TRAINING_ERROR when aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await expectCode(round({ signal: controller.signal }), "TRAINING_ERROR");

    const during = new AbortController();
    let calls = 0;
    await expectCode(
      round({
        signal: during.signal,
        progressIntervalMs: 0,
        onProgress: () => {
          calls++;
          during.abort();
        },
      }),
      "TRAINING_ERROR",
    );
    expect(calls).toBe(1);
  });

  it("rejects global weights that do not match the spec with SHAPE_MISMATCH", async () => {
    await expectCode(round({ globalWeights: GLOBAL.slice(0, 3) }), "SHAPE_MISMATCH");
    await expectCode(
      round({ globalWeights: [GLOBAL[0] as Float32Array, new Float32Array(15), ...GLOBAL.slice(2)] }),
      "SHAPE_MISMATCH",
    );
    await expectCode(
      round({ globalWeights: initialWeights({ ...SPEC, inputShape: [DIMS + 1] }, 3) }),
      "SHAPE_MISMATCH",
    );
    const withNaN = GLOBAL.map((w) => w.slice());
    (withNaN[0] as Float32Array)[5] = Number.NaN;
    await expectCode(round({ globalWeights: withNaN }), "NON_FINITE");
  });

  it("rejects data that does not match the spec", async () => {
    await expectCode(round({ data: { ...DATA, featureShape: [DIMS + 1] } }), "SHAPE_MISMATCH");
    await expectCode(round({ data: { ...DATA, numClasses: CLASSES + 1 } }), "SHAPE_MISMATCH");
    await expectCode(round({ data: { ...DATA, numSamples: 599 } }), "SHAPE_MISMATCH");
    await expectCode(
      round({ data: { ...DATA, labels: DATA.labels.map((l) => (l === 2 ? 3 : l)) } }),
      "INVALID_DATASET",
    );
    await expectCode(
      round({ data: { ...DATA, numSamples: 0, features: new Float32Array(0), labels: new Int32Array(0) } }),
      "INVALID_DATASET",
    );
  });

  it("rejects a bad spec or config with INVALID_CONFIG", async () => {
    await expectCode(round({ config: { ...CONFIG, batchSize: 0 } }), "INVALID_CONFIG");
    await expectCode(round({ spec: { ...SPEC, layers: [{ units: 3, activation: "relu" }] } }), "INVALID_CONFIG");
  });

  it("gives nearly the same update on the cpu backend as on the default backend", async () => {
    const config = { ...CONFIG, epochs: 1 };
    const reference = await round({ config });
    try {
      expect(await selectBackend({ preferred: "cpu" })).toBe("cpu");
      const onCpu = await round({ config });
      expect(onCpu.backend).toBe("cpu");
      onCpu.update.forEach((update, i) => {
        const expected = reference.update[i] as Float32Array;
        for (let j = 0; j < update.length; j++) expect(update[j]).toBeCloseTo(expected[j] as number, 4);
      });
    } finally {
      await selectBackend();
    }
  });
});
