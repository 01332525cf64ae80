import * as tf from "@tensorflow/tfjs";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { type BackendName, ensureBackend } from "./backend.ts";
import { checkWeights } from "./checkWeights.ts";
import { measureModel } from "./measureModel.ts";
import { compileModelSpec, inputSize, layerLayout, type ModelSpec } from "./modelSpec.ts";
import { networkForward } from "./networkForward.ts";
import { seededPermutation, seededShuffle } from "./seededShuffle.ts";
import { createSeededRandom } from "./seededUniform.ts";
import { parseTrainConfig, type TrainConfig, type TrainConfigInput } from "./trainConfig.ts";
import { countCorrect, meanSoftmaxCrossEntropy } from "./softmaxLoss.ts";
import { checkTrainingData, gatherLabels, gatherRows, type TrainingData } from "./trainingData.ts";

export type TrainProgress = {
  /** Current epoch, 1-based. */
  epoch: number;
  epochs: number;
  /** Batches done in the current epoch, 1-based. */
  batch: number;
  batches: number;
  /** Mean crossentropy over the batches done in the current epoch. */
  loss: number;
  /** Training throughput since the first step. */
  samplesPerSec: number;
};

export type TrainLocalParameters = {
  spec: ModelSpec;
  /** The round's global model, in layerLayout order. */
  globalWeights: readonly Float32Array[];
  data: TrainingData;
  config: TrainConfigInput;
  /** Called at most every `progressIntervalMs` and at the end of every epoch. */
  onProgress?: (progress: TrainProgress) => void;
  /** Aborting stops training at the next progress point with TRAINING_ERROR. */
  signal?: AbortSignal;
  /** Default 200 ms. Also how often training yields to the event loop. */
  progressIntervalMs?: number;
};

export type TrainMetrics = {
  /** Mean crossentropy (without the FedProx term) over the last epoch's batches. */
  loss: number;
  /** Training accuracy over the last epoch's batches. */
  accuracy: number;
  /** On the held-out `evaluateFraction`, with the final local weights. */
  evalLoss?: number;
  evalAccuracy?: number;
};

export type TrainLocalResult = {
  /** Local minus global weights, float32, per tensor in layerLayout order. */
  update: Float32Array[];
  /** The final local weights, in layerLayout order (global + update before rounding). */
  weights: Float32Array[];
  /** Samples trained on (excluding the held-out evaluation samples): the FedAvg weight. */
  numSamples: number;
  metrics: TrainMetrics;
  /** Wall-clock seconds of the whole call. */
  seconds: number;
  backend: BackendName;
};

const DEFAULT_PROGRESS_INTERVAL_MS = 200;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new FedLedgerError("TRAINING_ERROR", "Local training was aborted", { cause: signal.reason });
  }
}

function nonFiniteLoss(epoch: number, batch: number): FedLedgerError {
  return new FedLedgerError("TRAINING_ERROR", "Training diverged: the loss is not finite", {
    details: `epoch ${epoch}, batch ${batch}; lower the learning rate`,
  });
}

/** Splits the sample indices into trained and held-out ones with the config's seed. */
function splitSamples(config: TrainConfig, numSamples: number, order: Uint32Array) {
  if (config.evaluateFraction === undefined) return { train: order, held: undefined };
  if (numSamples < 2) {
    throw new FedLedgerError("INVALID_DATASET", "Too few samples to hold out an evaluation set", {
      details: `numSamples = ${numSamples}`,
    });
  }
  const held = Math.min(numSamples - 1, Math.max(1, Math.round(numSamples * config.evaluateFraction)));
  return { train: order.slice(0, numSamples - held), held: order.slice(numSamples - held) };
}

function createOptimizer(config: TrainConfig): tf.Optimizer {
  if (config.optimizer === "adam") return tf.train.adam(config.learningRate);
  return config.momentum > 0 ? tf.train.momentum(config.learningRate, config.momentum) : tf.train.sgd(config.learningRate);
}

/**
 * Trains the global model on local data for one round and returns the weight update.
 *
 * Custom training loop: per step, one batch is gathered from the (seeded, per-epoch)
 * shuffled indices, and gradients of the mean softmax crossentropy with respect to the
 * trainable weights come from TensorFlow.js autodiff (`tf.variableGrads`) over the spec's
 * layers; weight decay adds wd·w and FedProx (`proximalMu` > 0) adds μ·(w − w_global) to
 * each gradient before the optimizer step. Non-trainable weights (BatchNormalization's
 * moving statistics) take the values the layers compute in training mode. Dropout masks
 * are seeded by the config's seed and the step. All tensors are released before returning.
 *
 * Errors: INVALID_CONFIG (spec, config), SHAPE_MISMATCH / NON_FINITE (globalWeights),
 * SHAPE_MISMATCH / INVALID_DATASET (data), TRAINING_ERROR (non-finite loss, aborted).
 */
export async function trainLocal(parameters: TrainLocalParameters): Promise<TrainLocalResult> {
  const started = performance.now();
  const { data, onProgress, signal } = parameters;
  const spec = parameters.spec;
  const model = compileModelSpec(spec);
  const config = parseTrainConfig(parameters.config);
  const layout = layerLayout(spec);
  checkWeights(layout, parameters.globalWeights, "Global weights");
  checkTrainingData(spec, data);
  throwIfAborted(signal);
  const backend = await ensureBackend();
  const progressIntervalMs = parameters.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;

  const random = createSeededRandom(config.seed);
  const split = splitSamples(config, data.numSamples, seededPermutation(data.numSamples, random));
  const trainOrder = split.train;
  const numTrain = trainOrder.length;
  const rowSize = inputSize(spec);
  const classes = model.numClasses;
  const batches = Math.ceil(numTrain / config.batchSize);
  const mu = config.proximalMu;
  const decay = config.weightDecay;
  const globalWeights = parameters.globalWeights;

  /** Layout order: a tf.Variable per trainable weight, the current value of the others. */
  const tensors: tf.Tensor[] = [];
  const variables: tf.Variable[] = [];
  const globalTensors = new Map<string, tf.Tensor>();
  let stepIndex = 0;
  const optimizer = createOptimizer(config);
  let lossSum = tf.scalar(0);
  let correctSum = tf.scalar(0);

  /** One optimizer step on one batch; returns the batch's loss sum and correct count. */
  type Captured = { correct?: tf.Scalar; state?: Map<number, tf.Tensor> | undefined };
  const stepTensors = (x: Float32Array, y: Int32Array, rows: number, captured: Captured) => {
    const xb = tf.tensor2d(x, [rows, rowSize], "float32");
    const yb = tf.tensor1d(y, "int32");
    const oneHot = tf.oneHot(yb, classes) as tf.Tensor2D;
    const seed = (Math.imul(config.seed, 0x9e3779b1) + Math.imul(stepIndex++, 64)) >>> 0;
    const { value, grads } = tf.variableGrads(() => {
      const { logits, state } = networkForward(model, tensors, xb, { training: true, seed });
      captured.correct = tf.keep(countCorrect(logits, yb));
      captured.state = new Map([...state].map(([at, next]) => [at, tf.keep(next)]));
      return meanSoftmaxCrossEntropy(logits, oneHot);
    }, variables);
    if (mu > 0 || decay > 0) {
      for (const variable of variables) {
        let gradient = grads[variable.name] as tf.Tensor;
        if (decay > 0) gradient = tf.add(gradient, tf.mul(decay, variable));
        const global = globalTensors.get(variable.name);
        if (global !== undefined) gradient = tf.add(gradient, tf.mul(mu, tf.sub(variable, global)));
        grads[variable.name] = gradient;
      }
    }
    optimizer.applyGradients(grads);
    return [tf.add(lossSum, tf.mul(value, rows)), tf.add(correctSum, captured.correct ?? 0)];
  };

  const step = (x: Float32Array, y: Int32Array, rows: number): void => {
    const captured: Captured = {};
    try {
      const [nextLoss, nextCorrect] = tf.tidy(() => stepTensors(x, y, rows, captured));
      lossSum.dispose();
      correctSum.dispose();
      lossSum = nextLoss as tf.Scalar;
      correctSum = nextCorrect as tf.Scalar;
      for (const [at, next] of captured.state ?? []) {
        tensors[at]?.dispose();
        tensors[at] = next;
      }
      captured.state = undefined;
    } finally {
      captured.correct?.dispose();
      for (const next of captured.state?.values() ?? []) next.dispose();
    }
  };

  try {
    model.weights.forEach((entry, index) => {
      const values = globalWeights[index] as Float32Array;
      if (!entry.trainable) {
        tensors.push(tf.tensor(values, [...entry.shape], "float32"));
        return;
      }
      const variable = tf.tidy(() => tf.variable(tf.tensor(values, [...entry.shape], "float32"), true));
      variables.push(variable);
      tensors.push(variable);
      if (mu > 0) globalTensors.set(variable.name, tf.tensor(values, [...entry.shape], "float32"));
    });
    const metrics: TrainMetrics = { loss: Number.NaN, accuracy: 0 };
    const trainStarted = performance.now();
    let lastReport = trainStarted;
    let processed = 0;
    // Reused for every batch: each batch tensor is disposed before the next fill (backends
    // such as cpu keep a reference to the array instead of copying it).
    const batchFeatures = new Float32Array(Math.min(config.batchSize, numTrain) * rowSize);
    const batchLabels = new Int32Array(Math.min(config.batchSize, numTrain));
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const order = seededShuffle(trainOrder, random);
      let seen = 0;
      for (let batch = 1; batch <= batches; batch++) {
        const start = (batch - 1) * config.batchSize;
        const end = Math.min(numTrain, start + config.batchSize);
        step(
          gatherRows(data.features, rowSize, order, start, end, batchFeatures),
          gatherLabels(data.labels, order, start, end, batchLabels),
          end - start,
        );
        seen += end - start;
        processed += end - start;
        const now = performance.now();
        if (batch === batches || now - lastReport >= progressIntervalMs) {
          lastReport = now;
          const [loss = Number.NaN] = await lossSum.data();
          if (!Number.isFinite(loss)) throw nonFiniteLoss(epoch, batch);
          onProgress?.({
            epoch,
            epochs: config.epochs,
            batch,
            batches,
            loss: loss / seen,
            samplesPerSec: processed / Math.max((now - trainStarted) / 1000, 1e-9),
          });
          await yieldToEventLoop();
          throwIfAborted(signal);
        }
      }
      const [loss = Number.NaN] = await lossSum.data();
      const [correct = 0] = await correctSum.data();
      metrics.loss = loss / seen;
      metrics.accuracy = correct / seen;
      lossSum.dispose();
      correctSum.dispose();
      lossSum = tf.scalar(0);
      correctSum = tf.scalar(0);
    }

    const weights = await Promise.all(
      tensors.map(async (tensor) => new Float32Array(await tensor.data<"float32">())),
    );
    const update = weights.map((local, index) => {
      const global = globalWeights[index] as Float32Array;
      const delta = new Float32Array(local.length);
      for (let i = 0; i < local.length; i++) delta[i] = (local[i] as number) - (global[i] as number);
      return delta;
    });
    if (update.some((delta) => delta.some((value) => !Number.isFinite(value)))) {
      throw new FedLedgerError("TRAINING_ERROR", "Training diverged: the update is not finite");
    }

    if (split.held !== undefined) {
      const held = split.held;
      const evaluation = await measureModel(
        model,
        tensors,
        gatherRows(data.features, rowSize, held, 0, held.length),
        gatherLabels(data.labels, held, 0, held.length),
        held.length,
      );
      metrics.evalLoss = evaluation.loss;
      metrics.evalAccuracy = evaluation.accuracy;
    }

    return { update, weights, numSamples: numTrain, metrics, seconds: (performance.now() - started) / 1000, backend };
  } finally {
    lossSum.dispose();
    correctSum.dispose();
    optimizer.dispose();
    tf.dispose([...globalTensors.values()]);
    tf.dispose(tensors);
  }
}
