import * as tf from "@tensorflow/tfjs";

/** Number of rows whose argmax equals the label, as a float32 scalar. */
export function countCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32"));
}

/**
 * Mean softmax crossentropy of `logits` against one-hot `oneHot`, with the fused gradient
 * (softmax − oneHot) / rows: about half the ops of tf.losses.softmaxCrossEntropy.
 */
export function meanSoftmaxCrossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  const rows = logits.shape[0];
  const op = tf.customGrad((...args) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const logProbabilities = tf.logSoftmax(z);
    save([logProbabilities]);
    return {
      value: tf.div(tf.neg(tf.sum(tf.mul(oneHot, logProbabilities))), rows) as tf.Scalar,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) =>
        tf.mul(tf.sub(tf.exp(saved[0] as tf.Tensor2D), oneHot), tf.div(dy, rows)),
    };
  });
  return op(logits);
}
