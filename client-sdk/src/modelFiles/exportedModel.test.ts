import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { createDataset } from "../data/Dataset.ts";
import { encodeWeights } from "../protocol/encoding/weightsCodec.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { selectBackend } from "../training/backend.ts";
import { initialWeights } from "../training/initialWeights.ts";
import { layerLayout, parseModelSpec } from "../training/modelSpec.ts";
import { type ExportMetadata, MODEL_JSON_FILE, WEIGHTS_FILE } from "./exportedModelFormat.ts";
import { loadExportedModel } from "./loadExportedModel.ts";
import { predictClasses } from "./predictClasses.ts";
import { readExportedModel } from "./readExportedModel.ts";
import { writeExportedModel } from "./writeExportedModel.ts";

const SPEC = parseModelSpec({ kind: "mlp", inputShape: [3], layers: [{ units: 4, activation: "relu" }, { units: 2, activation: "softmax" }] });
const WEIGHTS = initialWeights(SPEC, 5);
const ZERO: Hex = `0x${"00".repeat(32)}`;

async function metadataFor(weights: readonly Float32Array[]): Promise<ExportMetadata> {
  const modelHash = await contentHash(encodeWeights(weights, layerLayout(SPEC)));
  return { version: 1, modelHash, round: 2, chainId: 31337, ledger: `0x${"11".repeat(20)}`, genesisModelHash: ZERO, lineage: [], source: "store" };
}

async function exported(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fedledger-export-"));
  await writeExportedModel({ dir, spec: SPEC, weights: WEIGHTS, metadata: await metadataFor(WEIGHTS) });
  return dir;
}

type Json = { weightsManifest: { paths: string[]; weights: { name: string; dtype: string }[] }[] };
async function rewriteModelJson(dir: string, change: (json: Json) => void): Promise<void> {
  const json = JSON.parse(await readFile(join(dir, MODEL_JSON_FILE), "utf8")) as Json;
  change(json);
  await writeFile(join(dir, MODEL_JSON_FILE), JSON.stringify(json));
}

beforeAll(async () => {
  await selectBackend();
});

describe("exported TensorFlow.js model directories", () => {
  it("writes model.json and weights.bin whose canonical hash is the recorded one", async () => {
    const dir = await exported();
    expect((await readdir(dir)).sort()).toEqual([MODEL_JSON_FILE, WEIGHTS_FILE]);
    const model = await readExportedModel(dir);
    expect(model.modelJson).toMatchObject({ format: "layers-model", weightsManifest: [{ paths: [WEIGHTS_FILE] }] });
    expect(model.metadata).toEqual(await metadataFor(WEIGHTS));
    expect(model.canonical.modelHash).toBe(model.metadata?.modelHash);
    expect(model.canonical.weights).toEqual(WEIGHTS);
    expect((await readFile(join(dir, WEIGHTS_FILE))).length).toBe(WEIGHTS.reduce((n, w) => n + w.length * 4, 0));
  });

  it("writes nothing when the weights do not hash to the recorded hash", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fedledger-export-"));
    const other = initialWeights(SPEC, 6);
    const write = writeExportedModel({ dir, spec: SPEC, weights: WEIGHTS, metadata: await metadataFor(other) });
    await expect(write).rejects.toMatchObject({ code: "HASH_MISMATCH" });
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses a directory whose files do not match its manifest", async () => {
    const cases: [string, (dir: string) => Promise<void>, string][] = [
      ["a malformed model.json", async (dir) => writeFile(join(dir, MODEL_JSON_FILE), "{"), "INVALID_CONFIG"],
      ["a weights path outside the directory", (dir) => rewriteModelJson(dir, (j) => (j.weightsManifest[0]!.paths = ["../weights.bin"])), "INVALID_CONFIG"],
      ["int32 weights", (dir) => rewriteModelJson(dir, (j) => (j.weightsManifest[0]!.weights[0]!.dtype = "int32")), "INVALID_CONFIG"],
      ["a truncated weights file", async (dir) => writeFile(join(dir, WEIGHTS_FILE), (await readFile(join(dir, WEIGHTS_FILE))).subarray(4)), "SHAPE_MISMATCH"],
      ["weights out of layout order", (dir) => rewriteModelJson(dir, (j) => j.weightsManifest[0]!.weights.reverse()), "SHAPE_MISMATCH"],
      [
        "a NaN weight",
        async (dir) => {
          const bytes = await readFile(join(dir, WEIGHTS_FILE));
          bytes.writeFloatLE(Number.NaN, 0);
          await writeFile(join(dir, WEIGHTS_FILE), bytes);
        },
        "NON_FINITE",
      ],
    ];
    for (const [what, spoil, code] of cases) {
      const dir = await exported();
      await spoil(dir);
      await expect(readExportedModel(dir), what).rejects.toMatchObject({ code });
    }
  });

  it("loads into TensorFlow.js and predicts; data of another shape is refused naming both shapes", async () => {
    const dir = await exported();
    const { model, directory } = await loadExportedModel(dir);
    expect(directory.metadata?.round).toBe(2);
    const rows = Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1);
    const data = createDataset({ features: rows, labels: Int32Array.of(0, 1, 0, 1), featureShape: [3] });
    const { predictions, accuracy } = await predictClasses(model, data);
    expect(predictions).toHaveLength(4);
    expect(accuracy).toBe(predictions.filter((p, i) => p === data.labels[i]).length / 4);
    const wide = createDataset({ features: new Float32Array(8), labels: Int32Array.of(0, 1), featureShape: [4] });
    await expect(predictClasses(model, wide)).rejects.toMatchObject({ code: "SHAPE_MISMATCH", shortMessage: expect.stringMatching(/\[4\].*\[3\]/) });
    model.dispose();
  });
});
