import { simpleCnnSpec } from "../../client-sdk/src/model/testSpecs.ts";
import { selectBackend } from "../../client-sdk/src/training/backend.ts";
import { initialWeights } from "../../client-sdk/src/training/initialWeights.ts";
import type { ModelSpec } from "../../client-sdk/src/training/modelSpec.ts";
import { createSeededRandom, fillUniform } from "../../client-sdk/src/training/seededUniform.ts";
import type { TrainConfigInput } from "../../client-sdk/src/training/trainConfig.ts";
import type { TrainingData } from "../../client-sdk/src/training/trainingData.ts";
import { trainLocal } from "../../client-sdk/src/training/trainLocal.ts";

const NUM_SAMPLES = 8192;
const BATCH_SIZE = 64;
const WARMUP_SAMPLES = 1024;

type Job = { name: "mlp" | "simple-cnn"; spec: ModelSpec; featureShape: number[]; epochs: number; config: Omit<TrainConfigInput, "epochs"> };

const JOBS: Job[] = [
  {
    name: "mlp",
    spec: { kind: "mlp", inputShape: [784], layers: [{ units: 128, activation: "relu" }, { units: 10, activation: "softmax" }] },
    featureShape: [784],
    epochs: 2,
    config: { batchSize: BATCH_SIZE, learningRate: 0.01, optimizer: "sgd" },
  },
  {
    name: "simple-cnn",
    spec: simpleCnnSpec(),
    featureShape: [28, 28],
    epochs: 1,
    config: { batchSize: BATCH_SIZE, learningRate: 0.01, optimizer: "sgd", momentum: 0.9 },
  },
];

function randomData(numSamples: number, featureShape: number[]): TrainingData {
  const size = featureShape.reduce((a, b) => a * b, 1);
  const random = createSeededRandom(1);
  const features = fillUniform(random, new Float32Array(numSamples * size), 0, 1);
  const labels = new Int32Array(numSamples);
  for (let i = 0; i < numSamples; i++) labels[i] = random.nextUint32() % 10;
  return { features, labels, numSamples, featureShape, numClasses: 10 };
}

async function train(job: Job, data: TrainingData, epochs: number): Promise<number> {
  const started = performance.now();
  await trainLocal({ spec: job.spec, globalWeights: initialWeights(job.spec, 1), data, config: { ...job.config, epochs } });
  return (performance.now() - started) / 1000;
}

/**
 * Local-training throughput on the backend selectBackend picks, 8,192 random samples,
 * batch 64: `mlp` (784-128-10, ReLU, SGD, 2 epochs) and `simple-cnn` (NIID-Bench's: conv
 * 6@5×5, max-pool, conv 16@5×5, max-pool, fc 120, 84, 10; 28×28×1 inputs; SGD momentum
 * 0.9; 1 epoch). Backend start-up, data generation and an untimed warm-up (1 epoch on 1,024
 * samples) are outside the timed part; everything trainLocal does is inside.
 */
export async function run(): Promise<Record<string, unknown>> {
  const backend = await selectBackend();
  const models = [];
  for (const job of JOBS) {
    await train(job, randomData(WARMUP_SAMPLES, job.featureShape), 1);
    const seconds = await train(job, randomData(NUM_SAMPLES, job.featureShape), job.epochs);
    models.push({ name: job.name, backend, seconds, samplesPerSec: (NUM_SAMPLES * job.epochs) / seconds });
  }
  return { models };
}
