// A small CNN federation (real chain, coordinator, TensorFlow.js participants), its global
// model exported, loaded by plain TensorFlow.js and run on an IDX file.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  contentHash,
  createDataset,
  createLedgerReader,
  createParticipant,
  type Dataset,
  datasetFingerprint,
  decodeWeights,
  encodeWeights,
  type FedLedgerError,
  initialWeights,
  layerLayout,
  parseDatasetSpec,
  parseModelSpec,
  STORE_AUDIT_CONFIG_FILE,
  STORE_OBJECTS_DIR,
} from "@fedledger/client-sdk";
import { buildModel, selectBackend } from "@fedledger/client-sdk/training";
import { modelExportCommand } from "../../client-sdk/src/cli/commands/modelExport.ts";
import { predictCommand } from "../../client-sdk/src/cli/commands/predict.ts";
import { verifyModelCommand } from "../../client-sdk/src/cli/commands/verifyModel.ts";
import { encodeIdx } from "../../client-sdk/src/data/idxFormat.ts";
import { createDirectoryContentStore } from "../../coordinator/src/stores/contentStore.ts";
import { type Institution, startCoordinator, startLedger } from "../fixtures/coordinatorHarness.ts";
import { registerFileLoadRouter } from "../fixtures/tfjsFileRouter.ts";

const SIDE = 8;
const glorot = { class_name: "VarianceScaling", config: { scale: 1, mode: "fan_avg", distribution: "uniform", seed: null } };
const CNN_SPEC = {
  class_name: "Sequential",
  config: {
    name: "tiny_cnn",
    layers: [
      { class_name: "Conv2D", config: { name: "conv", filters: 4, kernel_size: [3, 3], activation: "relu", kernel_initializer: glorot, batch_input_shape: [null, SIDE, SIDE, 1] } },
      { class_name: "MaxPooling2D", config: { name: "pool", pool_size: [2, 2] } },
      { class_name: "Flatten", config: { name: "flatten" } },
      { class_name: "Dense", config: { name: "out", units: 3, activation: "softmax", kernel_initializer: glorot } },
    ],
  },
};
const cnnSpec = parseModelSpec(CNN_SPEC);

/** 8×8 byte images: class k lights up the k-th third of the rows, over seeded noise. */
function images(seed: number, count: number): { pixels: Uint8Array; labels: Uint8Array } {
  let s = seed >>> 0;
  const noise = () => ((s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) >>> 24) / 4;
  const pixels = new Uint8Array(count * SIDE * SIDE);
  const labels = Uint8Array.from({ length: count }, (_, i) => (i + seed) % 3);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < SIDE * SIDE; p++) {
      const row = Math.floor(p / SIDE);
      pixels[i * SIDE * SIDE + p] = Math.min(255, noise() + (Math.floor((row * 3) / SIDE) === labels[i] ? 190 : 0));
    }
  }
  return { pixels, labels };
}

function dataset(seed: number, count: number): Dataset {
  const { pixels, labels } = images(seed, count);
  return createDataset({ features: Float32Array.from(pixels, (v) => v / 255), labels: Int32Array.from(labels), featureShape: [SIDE, SIDE], numClasses: 3 });
}

function cnnInstitution(i: number): Institution {
  const privateKey = keccak256(toHex(`fedledger cnn institution ${i}`));
  const data = dataset(100 + i, 60);
  return { account: privateKeyToAccount(privateKey), privateKey, data, commitment: datasetFingerprint(data) };
}

describe("a CNN federation's model, exported (real chain, coordinator, TensorFlow.js participants)", () => {
  it("trains 2 rounds, exports from the store and a local copy, and plain TensorFlow.js predicts on an IDX file", async () => {
    const work = await mkdtemp(join(tmpdir(), "fedledger-cnn-export-"));
    const institutions = [cnnInstitution(1), cnnInstitution(2)];
    const genesisModelHash = await contentHash(encodeWeights(initialWeights(cnnSpec, 0), layerLayout(cnnSpec)));
    const ledger = await startLedger({ institutions, genesisModelHash });
    const cnnConfig = {
      model: { spec: CNN_SPEC, seed: 0 },
      rounds: { rounds: 2, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 30_000, availabilityTimeoutMs: 30_000 },
      training: { epochs: 2, batchSize: 16, learningRate: 0.05 },
    };
    // The float64 validation utility covers this CNN: with evaluation data it starts with the
    // gate and the shapley scorer. An activation the utility does not compute (elu) is refused.
    const eluLayers = CNN_SPEC.config.layers.map((layer, i) => (i === 0 ? { ...layer, config: { ...layer.config, activation: "elu" } } : layer));
    const eluSpec = { ...CNN_SPEC, config: { ...CNN_SPEC.config, layers: eluLayers } };
    const refused = await startCoordinator(ledger, { ...cnnConfig, model: { spec: eluSpec, seed: 0 }, safety: { validationGate: true } }, { evaluationData: dataset(999, 30) }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "INVALID_CONFIG", shortMessage: expect.stringContaining("safety.validationGate needs") });
    const { coordinator, url, config } = await startCoordinator(ledger, { ...cnnConfig, safety: { validationGate: true } }, { evaluationData: dataset(999, 30) });
    const auditConfig = JSON.parse(await readFile(join(config.storage.dir, STORE_AUDIT_CONFIG_FILE), "utf8")) as unknown;
    expect(auditConfig).toMatchObject({ scorer: { name: "shapley" } });
    const modelDir = join(work, "participant");
    // The second participant's model directory cannot be created: it reports that and trains on.
    await writeFile(join(work, "blocked"), "");
    const modelDirs = [modelDir, join(work, "blocked", "models")];
    const participants = institutions.map((inst, i) =>
      createParticipant({ coordinatorUrl: url, ...coordinator.domain, account: inst.account, data: inst.data, datasetCommitment: inst.commitment, modelDir: modelDirs[i]! }),
    );
    const kept = new Promise<void>((resolve) => participants[0]!.events.on("model:kept", (k) => k.round === 2 && resolve()));
    const notKept = new Promise<FedLedgerError>((resolve) => participants[1]!.events.on("error", resolve));
    await Promise.all(participants.map((p) => p.start()));
    const finished = await coordinator.run();
    await kept;
    await Promise.all(participants.map((p) => p.stop()));
    expect(finished.map((r) => r.round)).toEqual([1, 2]);
    expect(finished.every((r) => r.scores.size === 2)).toBe(true);
    expect(await notKept).toMatchObject({ code: "INTERNAL", shortMessage: expect.stringContaining("Could not keep the global model") });

    const reader = createLedgerReader({ rpcUrl: ledger.chain.rpcUrl, ledger: ledger.ledger });
    const fromStore = await modelExportCommand({ out: join(work, "store"), source: { kind: "store", dir: config.storage.dir } }, { reader });
    expect(fromStore.metadata).toMatchObject({ round: 2, modelHash: finished[1]!.aggregateModelHash, genesisModelHash });
    const fromLocal = await modelExportCommand({ out: join(work, "local"), source: { kind: "local", dir: modelDir } }, { reader });
    expect(fromLocal.metadata).toMatchObject({ round: 2, modelHash: finished[1]!.aggregateModelHash, source: "local" });
    expect(await verifyModelCommand({ file: join(work, "store") }, { reader })).toMatchObject({ lineage: { kind: "recorded", round: 2n } });

    await selectBackend();
    registerFileLoadRouter();
    const loaded = await tf.loadLayersModel(`file://${join(work, "store", "model.json")}`);
    const store = createDirectoryContentStore(join(config.storage.dir, STORE_OBJECTS_DIR));
    const weights = decodeWeights(await store.get(finished[1]!.aggregateModelHash), layerLayout(cnnSpec)).weights;
    expect(loaded.getWeights().map((w) => w.dataSync())).toEqual(weights);

    // An IDX pair (28×28 files are the same shape of thing) through predict, as `fedledger predict --data idx:…` reads it.
    const test = images(7, 45);
    const imagesPath = join(work, "test-images.idx");
    const labelsPath = join(work, "test-labels.idx");
    await writeFile(imagesPath, encodeIdx({ dtype: "ubyte", dims: [45, SIDE, SIDE], data: test.pixels }));
    await writeFile(labelsPath, encodeIdx({ dtype: "ubyte", dims: [45], data: test.labels }));
    const predicted = await predictCommand({ model: join(work, "store"), dataset: parseDatasetSpec(`idx:${imagesPath},${labelsPath}`) });
    const x = tf.tensor4d(Float32Array.from(test.pixels, (v) => v / 255), [45, SIDE, SIDE, 1]);
    const reference = buildModel(cnnSpec, weights);
    const expected = Array.from(tf.argMax(reference.predict(x) as tf.Tensor, -1).dataSync());
    expect(Array.from(tf.argMax(loaded.predict(x) as tf.Tensor, -1).dataSync())).toEqual(expected);
    expect(predicted.predictions).toEqual(expected);
    expect(predicted.accuracy).toBe(expected.filter((c, i) => c === test.labels[i]).length / 45);
    loaded.dispose();
    reference.dispose();

    await coordinator.close();
    await ledger.chain.close();
  });
});
