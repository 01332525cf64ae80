import { selectBackend } from "../../client-sdk/src/training/backend.ts";
import { initialWeights } from "../../client-sdk/src/training/initialWeights.ts";
import type { ModelSpec } from "../../client-sdk/src/training/modelSpec.ts";
import { createSeededRandom, fillUniform } from "../../client-sdk/src/training/seededUniform.ts";
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

/**
 * Local-training throughput: a 784-128-10 MLP (ReLU, softmax), SGD, batch 64, on 8,192
 * random samples for 2 epochs, on the backend selectBackend picks. Backend start-up and
 * data generation are outside the timed part; everything trainLocal does is inside.
 */
export async function run(): Promise<Record<string, unknown>> {
  const backend = await selectBackend();
  const random = createSeededRandom(1);
  const features = fillUniform(random, new Float32Array(NUM_SAMPLES * 784), 0, 1);
  const labels = new Int32Array(NUM_SAMPLES);
  for (let i = 0; i < NUM_SAMPLES; i++) labels[i] = random.nextUint32() % 10;
  const globalWeights = initialWeights(SPEC, 1);

  const started = performance.now();
  await trainLocal({
    spec: SPEC,
    globalWeights,
    data: { features, labels, numSamples: NUM_SAMPLES, featureShape: [784], numClasses: 10 },
    config: { epochs: EPOCHS, batchSize: BATCH_SIZE, learningRate: 0.01, optimizer: "sgd" },
  });
  const seconds = (performance.now() - started) / 1000;
  return { backend, seconds, samplesPerSec: (NUM_SAMPLES * EPOCHS) / seconds };
}
