import { selectBackend } from "../../client-sdk/src/training/backend.ts";
import { initialWeights } from "../../client-sdk/src/training/initialWeights.ts";
import type { ModelSpec } from "../../client-sdk/src/training/modelSpec.ts";
import { createSeededRandom, fillUniform } from "../../client-sdk/src/training/seededUniform.ts";
import type { TrainingData } from "../../client-sdk/src/training/trainingData.ts";
import { trainLocal } from "../../client-sdk/src/training/trainLocal.ts";

const NUM_SAMPLES = 8192;
const EPOCHS = 2;
const BATCH_SIZE = 64;
const SPEC: ModelSpec = {
  kind: "mlp",
  inputShape: [784],
  layers: [
    { units: 128, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
};

const WARMUP_SAMPLES = 1024;

function randomData(numSamples: number): TrainingData {
  const random = createSeededRandom(1);
  const features = fillUniform(random, new Float32Array(numSamples * 784), 0, 1);
  const labels = new Int32Array(numSamples);
  for (let i = 0; i < numSamples; i++) labels[i] = random.nextUint32() % 10;
  return { features, labels, numSamples, featureShape: [784], numClasses: 10 };
}

async function train(data: TrainingData, epochs: number): Promise<number> {
  const started = performance.now();
  await trainLocal({
    spec: SPEC,
    globalWeights: initialWeights(SPEC, 1),
    data,
    config: { epochs, batchSize: BATCH_SIZE, learningRate: 0.01, optimizer: "sgd" },
  });
  return (performance.now() - started) / 1000;
}

/**
 * Local-training throughput: a 784-128-10 MLP (ReLU, softmax), SGD, batch 64, on 8,192
 * random samples for 2 epochs, on the backend selectBackend picks. Backend start-up, data
 * generation and an untimed warm-up round (1 epoch on 1,024 samples, reported as
 * `warmupSeconds`: JIT and kernel set-up) are outside the timed part; everything
 * trainLocal does (validation, batching, training, reading the update) is inside.
 */
export async function run(): Promise<Record<string, unknown>> {
  const backend = await selectBackend();
  const data = randomData(NUM_SAMPLES);
  const warmupSeconds = await train(randomData(WARMUP_SAMPLES), 1);
  const seconds = await train(data, EPOCHS);
  return { backend, seconds, samplesPerSec: (NUM_SAMPLES * EPOCHS) / seconds, warmupSeconds };
}
