import * as tf from "@tensorflow/tfjs";
import type { CompiledModel } from "../model/compileModelSpec.ts";
import { shapeSize } from "../model/layerFamily.ts";
import { networkForward } from "./networkForward.ts";
import { countCorrect } from "./softmaxLoss.ts";

/** Rows per forward pass when measuring; bounds memory for large datasets. */
const CHUNK_ROWS = 1024;

export type ModelMetrics = { loss: number; accuracy: number };

/**
 * Mean softmax crossentropy and accuracy of the model with `parameters` (layout order) over
 * `numSamples` contiguous rows of `features` with class-index `labels` (inference mode).
 */
export async function measureModel(
  model: CompiledModel,
  parameters: readonly tf.Tensor[],
  features: Float32Array,
  labels: Int32Array,
  numSamples: number,
): Promise<ModelMetrics> {
  const rowSize = shapeSize(model.inputShape);
  let lossSum = tf.scalar(0);
  let correctSum = tf.scalar(0);
  try {
    for (let start = 0; start < numSamples; start += CHUNK_ROWS) {
      const end = Math.min(numSamples, start + CHUNK_ROWS);
      const [nextLoss, nextCorrect] = tf.tidy(() => {
        // slice() copies: the cpu backend would otherwise alias the caller's array.
        const x = tf.tensor2d(features.slice(start * rowSize, end * rowSize), [end - start, rowSize]);
        const y = tf.tensor1d(labels.slice(start, end), "int32");
        const { logits } = networkForward(model, parameters, x, { training: false, seed: 0 });
        const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(y, model.numClasses), logits, undefined, undefined, tf.Reduction.SUM);
        return [tf.add(lossSum, loss), tf.add(correctSum, countCorrect(logits, y))];
      });
      lossSum.dispose();
      correctSum.dispose();
      lossSum = nextLoss as tf.Scalar;
      correctSum = nextCorrect as tf.Scalar;
    }
    const [loss] = await lossSum.data();
    const [correct] = await correctSum.data();
    return { loss: (loss ?? Number.NaN) / numSamples, accuracy: (correct ?? 0) / numSamples };
  } finally {
    lossSum.dispose();
    correctSum.dispose();
  }
}
