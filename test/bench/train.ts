import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { simpleCnnSpec } from "../../client-sdk/src/model/testSpecs.ts";
import { type BackendName, selectBackend } from "../../client-sdk/src/training/backend.ts";
import { initialWeights } from "../../client-sdk/src/training/initialWeights.ts";
import type { ModelSpec } from "../../client-sdk/src/training/modelSpec.ts";
import { createSeededRandom, fillUniform } from "../../client-sdk/src/training/seededUniform.ts";
import type { TrainConfigInput } from "../../client-sdk/src/training/trainConfig.ts";
import type { TrainingData } from "../../client-sdk/src/training/trainingData.ts";
import { trainLocal } from "../../client-sdk/src/training/trainLocal.ts";

const NUM_SAMPLES = 8192;
const BATCH_SIZE = 64;
const WARMUP_SAMPLES = 1024;
const DEFAULT_PYTHON = "/usr/bin/python3";
const TORCH_SCRIPT = fileURLToPath(new URL("train_torch.py", import.meta.url));
const TORCH_TIMEOUT_MS = 600_000;

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

/** Threads TensorFlow.js computes with: 1 for wasm in Node (see backend.ts) and cpu; tfjs-node uses every core. */
function backendThreads(backend: BackendName): number {
  if (backend === "wasm") return getThreadsCount();
  return backend === "cpu" ? 1 : availableParallelism();
}

type TorchResult = { seconds: number; torch: string; threads: number; blas: string | null };

/** One job on PyTorch CPU (train_torch.py), or why it could not run. */
async function torchJob(python: string, name: string, threads: number): Promise<TorchResult | { error: string }> {
  try {
    const { stdout } = await promisify(execFile)(python, [TORCH_SCRIPT, "--job", name, "--threads", String(threads)], {
      timeout: TORCH_TIMEOUT_MS,
    });
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as TorchResult;
  } catch (error) {
    const failure = error as { code?: unknown; stderr?: string; message?: string };
    if (failure.code === "ENOENT") return { error: `${python} not found` };
    const detail = failure.stderr?.trim().split("\n").at(-1) || failure.message || String(error);
    return { error: `${python} ${TORCH_SCRIPT}: ${detail}` };
  }
}

/**
 * Local-training throughput on the backend selectBackend picks, 8,192 random samples,
 * batch 64: `mlp` (784-128-10, ReLU, SGD, 2 epochs) and `simple-cnn` (NIID-Bench's: conv
 * 6@5×5, max-pool, conv 16@5×5, max-pool, fc 120, 84, 10; 28×28×1 inputs; SGD momentum
 * 0.9; 1 epoch). Backend start-up, data generation and an untimed warm-up (1 epoch on 1,024
 * samples) are outside the timed part; everything trainLocal does is inside.
 *
 * Each job is then run on PyTorch CPU (train_torch.py: the same model, data size, batch,
 * epochs, optimizer and warm-up) with as many threads as TensorFlow.js uses, by the Python
 * given with `--python PATH` (default /usr/bin/python3); `ratio` is seconds / pytorchSeconds.
 * Without PyTorch those fields are null and `pytorchError` says why. `pytorch.blas` names
 * the BLAS library PyTorch loaded: its dense layers run on it (Debian's python3-torch with
 * the reference libblas3 is several times slower on the MLP than with OpenBLAS).
 */
export async function run(): Promise<Record<string, unknown>> {
  const { values } = parseArgs({ options: { python: { type: "string" } }, strict: false, allowPositionals: true });
  const python = typeof values.python === "string" ? values.python : DEFAULT_PYTHON;
  const backend = await selectBackend();
  const threads = backendThreads(backend);
  const models = [];
  const pytorch: Record<string, unknown> = { python };
  for (const job of JOBS) {
    await train(job, randomData(WARMUP_SAMPLES, job.featureShape), 1);
    const seconds = await train(job, randomData(NUM_SAMPLES, job.featureShape), job.epochs);
    const torch = await torchJob(python, job.name, threads);
    const pytorchSeconds = "seconds" in torch ? torch.seconds : null;
    if ("seconds" in torch) Object.assign(pytorch, { torch: torch.torch, threads: torch.threads, blas: torch.blas });
    models.push({
      name: job.name,
      backend,
      seconds,
      samplesPerSec: (NUM_SAMPLES * job.epochs) / seconds,
      pytorchSeconds,
      ratio: pytorchSeconds === null ? null : seconds / pytorchSeconds,
      ...("error" in torch ? { pytorchError: torch.error } : {}),
    });
  }
  return { models, threads, pytorch };
}
