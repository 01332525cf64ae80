import * as tf from "@tensorflow/tfjs";
import type { CompiledModel } from "../model/compileModelSpec.ts";

export type NetworkForward = {
  /** [rows, classes]; the final softmax is left to the loss. */
  logits: tf.Tensor2D;
  /** New values of non-trainable weights, by layout index (training only). */
  state: Map<number, tf.Tensor>;
};

/**
 * The model's forward pass as TensorFlow.js ops over `weights` (layout order), on a batch
 * of `rows` flat feature rows. Gradients come from TensorFlow.js autodiff. `seed` varies the
 * Dropout masks per step (each layer gets `seed + its index`).
 */
export function networkForward(
  model: CompiledModel,
  weights: readonly tf.Tensor[],
  x: tf.Tensor,
  options: { training: boolean; seed: number },
): NetworkForward {
  let h = tf.reshape(x, [-1, ...model.inputShape]);
  const state = new Map<number, tf.Tensor>();
  model.layers.forEach((layer, index) => {
    const indices = model.layerWeights[index] as readonly number[];
    const tensors = indices.map((at) => weights[at] as tf.Tensor);
    const result = layer.forward(tf, h, tensors, { training: options.training, seed: (options.seed + index) >>> 0 });
    result.state?.forEach((value, position) => {
      const at = indices.filter((i) => !(model.weights[i]?.trainable ?? true))[position];
      if (at !== undefined) state.set(at, value);
    });
    h = result.y;
  });
  return { logits: h as tf.Tensor2D, state };
}
