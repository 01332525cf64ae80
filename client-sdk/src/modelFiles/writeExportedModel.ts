import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { ensureBackend } from "../training/backend.ts";
import { buildModel } from "../training/buildModel.ts";
import type { ModelSpec } from "../training/modelSpec.ts";
import { EXPORT_METADATA_KEY, type ExportMetadata, MODEL_JSON_FILE, modelJsonSchema, WEIGHTS_FILE } from "./exportedModelFormat.ts";
import { canonicalModel, type WeightSpec } from "./readExportedModel.ts";
import { writeFileAtomically } from "./writeFileAtomically.ts";

export type WriteExportedModelParameters = {
  /** The directory to write `model.json` and `weights.bin` into (created if needed). */
  dir: string;
  spec: ModelSpec;
  /** Layout order. */
  weights: readonly Float32Array[];
  /** Goes into `userDefinedMetadata.fedledger`; `metadata.modelHash` is the hash the written weights must have. */
  metadata: ExportMetadata;
};

export type WrittenModel = { readonly modelJsonPath: string; readonly weightsPath: string; readonly weightBytes: number };

/**
 * Writes the model as a standard TensorFlow.js Layers directory, as TensorFlow.js's own
 * `model.save` serialises it: `model.json` (topology, one weights group, the metadata)
 * and `weights.bin`. Before writing, the weights as serialised are read back in the
 * canonical layout and hashed; a hash other than `metadata.modelHash` throws HASH_MISMATCH
 * and nothing is written. Each file is written atomically, the weights first.
 */
export async function writeExportedModel(p: WriteExportedModelParameters): Promise<WrittenModel> {
  await ensureBackend();
  const model = buildModel(p.spec, p.weights);
  let artifacts: tf.io.ModelArtifacts | undefined;
  try {
    model.setUserDefinedMetadata({ [EXPORT_METADATA_KEY]: p.metadata });
    await model.save(
      tf.io.withSaveHandler(async (saved) => {
        artifacts = saved;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
      }),
    );
  } finally {
    model.dispose();
  }
  if (artifacts?.weightSpecs === undefined || artifacts.weightData === undefined) {
    throw new FedLedgerError("INTERNAL", "TensorFlow.js saved no weights");
  }
  const weightSpecs: WeightSpec[] = artifacts.weightSpecs.map((w) => ({ name: w.name, shape: w.shape, dtype: "float32" }));
  const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson = modelJsonSchema.parse({
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
    userDefinedMetadata: artifacts.userDefinedMetadata,
  });
  const canonical = await canonicalModel({ dir: p.dir, modelJson, weightSpecs, weightData, metadata: p.metadata });
  if (canonical.modelHash !== p.metadata.modelHash.toLowerCase()) {
    throw new FedLedgerError("HASH_MISMATCH", "The exported weights do not hash to the recorded model hash", {
      details: `serialised weights hash to ${canonical.modelHash}, recorded ${p.metadata.modelHash}`,
    });
  }
  const weightsPath = join(p.dir, WEIGHTS_FILE);
  const modelJsonPath = join(p.dir, MODEL_JSON_FILE);
  await writeFileAtomically(weightsPath, new Uint8Array(weightData));
  await writeFileAtomically(modelJsonPath, `${JSON.stringify(modelJson)}\n`);
  return { modelJsonPath, weightsPath, weightBytes: weightData.byteLength };
}
