import { readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Hex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { type LayerSpec, layerSize } from "../protocol/encoding/layout.ts";
import { decodeWeights, encodeWeights } from "../protocol/encoding/weightsCodec.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { describeIssues } from "../protocol/messages.ts";
import { layerLayout, MAX_PARAMETERS, type ModelSpec, parseModelSpec } from "../training/modelSpec.ts";
import { readJsonFile } from "./coordinatorStore.ts";
import { EXPORT_METADATA_KEY, type ExportMetadata, exportMetadataSchema, MODEL_JSON_FILE, type ModelJson, modelJsonSchema } from "./exportedModelFormat.ts";

export type WeightSpec = { readonly name: string; readonly shape: readonly number[]; readonly dtype: "float32" };

/** A TensorFlow.js model directory as read from disk, before any TensorFlow.js is loaded. */
export type ModelDirectory = {
  readonly dir: string;
  readonly modelJson: ModelJson;
  /** Every weight of the manifest, in order. */
  readonly weightSpecs: readonly WeightSpec[];
  /** The weight files of every manifest group, concatenated in manifest order. */
  readonly weightData: ArrayBuffer;
  /** fedledger's entry of `userDefinedMetadata`, when there is one. */
  readonly metadata: ExportMetadata | undefined;
};

/** The directory's weights in the canonical encoding: what the ledger's model hash covers. */
export type CanonicalModel = {
  readonly spec: ModelSpec;
  readonly layout: readonly LayerSpec[];
  /** Layout order. */
  readonly weights: readonly Float32Array[];
  /** Canonical f32 encoding of `weights`. */
  readonly encoded: Uint8Array;
  /** SHA-256 of `encoded`. */
  readonly modelHash: Hex;
};

function invalid(message: string, details?: string): FedLedgerError {
  return new FedLedgerError("INVALID_CONFIG", message, details === undefined ? {} : { details });
}

/** A manifest path names a file of the directory itself, never one elsewhere. */
function weightsFilePath(dir: string, path: string): string {
  const name = path.startsWith("./") ? path.slice(2) : path;
  if (name.length === 0 || name === "." || name === ".." || basename(name) !== name || name.includes("\\")) {
    throw invalid("A weights path in model.json leaves the model directory", `got ${JSON.stringify(path.slice(0, 200))}`);
  }
  return join(dir, name);
}

/**
 * Reads a TensorFlow.js Layers model directory (`model.json` plus its weight files) and
 * checks the manifest: float32 unquantized weights only, files inside the directory and
 * exactly as long as the manifest says, at most MAX_PARAMETERS values. Throws
 * INVALID_CONFIG for a missing or malformed file or metadata, SHAPE_MISMATCH when the
 * weight files do not match the manifest.
 */
export async function readModelDirectory(dir: string): Promise<ModelDirectory> {
  const parsed = modelJsonSchema.safeParse(await readJsonFile(join(dir, MODEL_JSON_FILE), "the model file"));
  if (!parsed.success) throw invalid(`${join(dir, MODEL_JSON_FILE)} is not a TensorFlow.js model`, describeIssues(parsed.error));
  const modelJson = parsed.data;
  const weightSpecs: WeightSpec[] = [];
  const groups: { paths: string[]; bytes: number }[] = [];
  let total = 0;
  for (const group of modelJson.weightsManifest) {
    let bytes = 0;
    for (const weight of group.weights) {
      if (weight.dtype !== "float32" || weight.quantization !== undefined) {
        throw invalid("Only float32 unquantized weights are supported", `${weight.name}: ${weight.dtype}${weight.quantization === undefined ? "" : ", quantized"}`);
      }
      const size = layerSize(weight);
      total += size;
      if (total > MAX_PARAMETERS) throw invalid(`The model has more than ${MAX_PARAMETERS} weights`);
      bytes += size * 4;
      weightSpecs.push({ name: weight.name, shape: weight.shape, dtype: "float32" });
    }
    groups.push({ paths: group.paths.map((p) => weightsFilePath(dir, p)), bytes });
  }
  const weightData = new Uint8Array(total * 4);
  let offset = 0;
  for (const group of groups) {
    const start = offset;
    for (const path of group.paths) {
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch (cause) {
        throw invalid(`Cannot read the weights file ${path}`, cause instanceof Error ? cause.message : String(cause));
      }
      if (offset + size > start + group.bytes) break;
      weightData.set(await readFile(path), offset);
      offset += size;
    }
    if (offset !== start + group.bytes) {
      throw new FedLedgerError("SHAPE_MISMATCH", "The weights files do not match the manifest", {
        details: `${group.paths.join(", ")}: the manifest needs ${group.bytes} bytes`,
      });
    }
  }
  const entry = modelJson.userDefinedMetadata?.[EXPORT_METADATA_KEY];
  let metadata: ExportMetadata | undefined;
  if (entry !== undefined) {
    const checked = exportMetadataSchema.safeParse(entry);
    if (!checked.success) throw invalid(`model.json's ${EXPORT_METADATA_KEY} metadata is malformed`, describeIssues(checked.error));
    metadata = checked.data;
  }
  return { dir, modelJson, weightSpecs, weightData: weightData.buffer, metadata };
}

/**
 * The directory's weights in the canonical layout of its own topology (a fedledger model
 * spec: the allow-list applies), encoded and hashed as the protocol does. Throws
 * INVALID_CONFIG for a topology outside the allow-list, SHAPE_MISMATCH when the manifest's
 * names or shapes are not the layout's, NON_FINITE for NaN or infinite weights.
 */
export async function canonicalModel(directory: ModelDirectory): Promise<CanonicalModel> {
  const spec = parseModelSpec(directory.modelJson.modelTopology);
  const layout = layerLayout(spec);
  const described = (entries: readonly LayerSpec[]) => entries.map((e) => `${e.name} [${e.shape.join(",")}]`).join(", ");
  const matches =
    layout.length === directory.weightSpecs.length &&
    layout.every((entry, i) => {
      const weight = directory.weightSpecs[i];
      return weight !== undefined && weight.name === entry.name && weight.shape.length === entry.shape.length && weight.shape.every((d, k) => d === entry.shape[k]);
    });
  if (!matches) {
    throw new FedLedgerError("SHAPE_MISMATCH", "The weights manifest is not the topology's layout", {
      details: `manifest: ${described(directory.weightSpecs)}; layout: ${described(layout)}`,
    });
  }
  let offset = 0;
  const weights = layout.map((entry) => {
    const size = layerSize(entry);
    const values = new Float32Array(directory.weightData, offset * 4, size);
    offset += size;
    return values;
  });
  const encoded = encodeWeights(weights, layout, "f32");
  decodeWeights(encoded, layout); // rejects NaN and infinities (NON_FINITE)
  return { spec, layout, weights, encoded, modelHash: await contentHash(encoded) };
}

/** Reads a model directory and computes its canonical model (see readModelDirectory and canonicalModel). */
export async function readExportedModel(dir: string): Promise<ModelDirectory & { readonly canonical: CanonicalModel }> {
  const directory = await readModelDirectory(dir);
  return { ...directory, canonical: await canonicalModel(directory) };
}
