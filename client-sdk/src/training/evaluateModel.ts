import * as tf from "@tensorflow/tfjs";
import { ensureBackend } from "./backend.ts";
import { checkWeights } from "./checkWeights.ts";
import { measureModel, type ModelMetrics } from "./measureModel.ts";
import { compileModelSpec, layerLayout, type ModelSpec } from "./modelSpec.ts";
import { checkTrainingData, type TrainingData } from "./trainingData.ts";

export type EvaluateModelParameters = {
  spec: ModelSpec;
  /** Weights in layerLayout order. */
  weights: readonly Float32Array[];
  data: TrainingData;
};

/**
 * Mean softmax crossentropy and accuracy of a model on a labelled dataset (e.g. the
 * coordinator's server-side test set). Throws SHAPE_MISMATCH / NON_FINITE for bad weights,
 * SHAPE_MISMATCH / INVALID_DATASET for bad data, INVALID_CONFIG for a bad spec.
 */
export async function evaluateModel({ spec, weights, data }: EvaluateModelParameters): Promise<ModelMetrics> {
  const model = compileModelSpec(spec);
  const layout = layerLayout(spec);
  checkWeights(layout, weights, "Weights");
  checkTrainingData(spec, data);
  await ensureBackend();
  const parameters = layout.map((entry, index) =>
    tf.tensor(weights[index] as Float32Array, [...entry.shape], "float32"),
  );
  try {
    return await measureModel(model, parameters, data.features, data.labels, data.numSamples);
  } finally {
    tf.dispose(parameters);
  }
}
