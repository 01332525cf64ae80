import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/Dataset.ts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { shapesCompatible } from "../training/trainingData.ts";

/** Rows per forward pass; bounds memory for large datasets. */
const CHUNK_ROWS = 1024;

export type ClassPredictions = {
  /** The predicted class of each row: the argmax of the model's output. */
  readonly predictions: readonly number[];
  /** Fraction of rows whose prediction is their label. */
  readonly accuracy: number;
};

/**
 * Runs a classifier over every row of `data` (inference mode, in chunks). Throws
 * SHAPE_MISMATCH, naming both shapes, when the data's feature shape does not feed the
 * model's input (trailing size-1 axes aside).
 */
export async function predictClasses(model: tf.LayersModel, data: Dataset): Promise<ClassPredictions> {
  const inputShape = (model.inputs[0]?.shape ?? []).slice(1).map((d) => d ?? -1);
  if (!shapesCompatible(data.featureShape, inputShape)) {
    throw new FedLedgerError("SHAPE_MISMATCH", `Feature shape [${data.featureShape.join(",")}] does not match the model input [${inputShape.join(",")}]`);
  }
  const rowSize = inputShape.reduce((n, d) => n * d, 1);
  const predictions: number[] = [];
  let correct = 0;
  for (let start = 0; start < data.numSamples; start += CHUNK_ROWS) {
    const end = Math.min(data.numSamples, start + CHUNK_ROWS);
    const classes = tf.tidy(() => {
      const x = tf.tensor(data.features.slice(start * rowSize, end * rowSize), [end - start, ...inputShape]);
      return tf.argMax(model.predict(x) as tf.Tensor, -1);
    });
    const values = await classes.data();
    classes.dispose();
    values.forEach((predicted, i) => {
      predictions.push(predicted);
      if (predicted === data.labels[start + i]) correct++;
    });
  }
  return { predictions, accuracy: data.numSamples === 0 ? 0 : correct / data.numSamples };
}
