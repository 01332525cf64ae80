import * as tf from "@tensorflow/tfjs";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { ensureBackend } from "../training/backend.ts";
import { type ModelDirectory, readModelDirectory } from "./readExportedModel.ts";

/**
 * Loads a TensorFlow.js Layers model directory (`model.json` plus weights) with
 * `tf.loadLayersModel`, reading the files itself: in Node, `file://` URLs need
 * tfjs-node, an optional dependency. The caller disposes the model.
 * Throws as readModelDirectory does, and INVALID_CONFIG when TensorFlow.js refuses the model.
 */
export async function loadExportedModel(dir: string): Promise<{ model: tf.LayersModel; directory: ModelDirectory }> {
  await ensureBackend();
  const directory = await readModelDirectory(dir);
  const { modelJson } = directory;
  try {
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: [...directory.weightSpecs].map((w) => ({ ...w, shape: [...w.shape] })),
        weightData: directory.weightData,
        ...(modelJson.format === undefined ? {} : { format: modelJson.format }),
        ...(modelJson.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: modelJson.userDefinedMetadata }),
      }),
    );
    return { model, directory };
  } catch (cause) {
    throw new FedLedgerError("INVALID_CONFIG", `TensorFlow.js cannot load the model in ${dir}`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
}
