import * as tf from "@tensorflow/tfjs";
import type { Activation, ModelSpec } from "./modelSpec.ts";

/**
 * The MLP of a {@link ModelSpec} as raw TensorFlow.js ops over `[kernel0, bias0, kernel1,
 * bias1, ...]` (layout order). The output layer yields logits; softmax is applied by the
 * loss (training, evaluation) or by the caller. Same math as the LayersModel of buildModel.
 */

type Activated = Exclude<Activation, "softmax">;

function outputActivation(activation: Activation): Activated {
  return activation === "softmax" ? "linear" : activation;
}

/** y = act(x·W + b), fused where the backend can. */
function denseForward(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: Activated): tf.Tensor2D {
  if (activation === "tanh") return tf.tanh(tf.fused.matMul({ a: x, b: kernel, bias }) as tf.Tensor2D);
  return tf.fused.matMul({ a: x, b: kernel, bias, activation }) as tf.Tensor2D;
}

/** dL/dz from dL/dy, with y = act(z) the saved forward output. */
function activationGrad(activation: Activated, y: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  switch (activation) {
    case "relu":
      return tf.mul(dy, tf.step(y));
    case "sigmoid":
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
    case "tanh":
      return tf.mul(dy, tf.sub(1, tf.square(y)));
    case "linear":
      return dy;
  }
}

/**
 * Products with a transposed operand. The wasm backend's XNNPACK path only covers the
 * plain x·W case; a transposeA/transposeB matMul falls back to a slow loop (~15x slower
 * for 784x64·64x128), so on wasm the operand is transposed explicitly first.
 */
function matMulTransposeA(a: tf.Tensor2D, b: tf.Tensor2D, explicitTranspose: boolean): tf.Tensor2D {
  return explicitTranspose ? tf.matMul(tf.transpose(a), b) : tf.matMul(a, b, true, false);
}

function matMulTransposeB(a: tf.Tensor2D, b: tf.Tensor2D, explicitTranspose: boolean): tf.Tensor2D {
  return explicitTranspose ? tf.matMul(a, tf.transpose(b)) : tf.matMul(a, b, false, true);
}

type DenseOptions = { activation: Activated; explicitTranspose: boolean };

/** A dense layer with a hand-written gradient, for an input that needs no gradient (data). */
function denseOnData(x: tf.Tensor2D, kernel: tf.Variable, bias: tf.Variable, options: DenseOptions): tf.Tensor2D {
  const op = tf.customGrad((...args) => {
    const [w, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const y = denseForward(x, w, b, options.activation);
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const dz = activationGrad(options.activation, saved[0] as tf.Tensor2D, dy);
        return [matMulTransposeA(x, dz, options.explicitTranspose), tf.sum(dz, 0)];
      },
    };
  });
  return op(kernel, bias);
}

/** A dense layer with a hand-written gradient for its input, kernel and bias. */
function denseOnHidden(x: tf.Tensor2D, kernel: tf.Variable, bias: tf.Variable, options: DenseOptions): tf.Tensor2D {
  const op = tf.customGrad((...args) => {
    const [input, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const y = denseForward(input, w, b, options.activation);
    save([input, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [savedInput, savedKernel, savedY] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dz = activationGrad(options.activation, savedY, dy);
        return [
          matMulTransposeB(dz, savedKernel, options.explicitTranspose),
          matMulTransposeA(savedInput, dz, options.explicitTranspose),
          tf.sum(dz, 0),
        ];
      },
    };
  });
  return op(x, kernel, bias);
}

/**
 * Logits for a training step: every layer carries a fused custom gradient (one matMul
 * per gradient, no gradient for the data), which is what makes local training fast.
 */
export function trainingLogits(
  spec: ModelSpec,
  variables: readonly tf.Variable[],
  x: tf.Tensor2D,
  explicitTranspose: boolean,
): tf.Tensor2D {
  let h = x;
  spec.layers.forEach((layer, index) => {
    const kernel = variables[2 * index];
    const bias = variables[2 * index + 1];
    if (kernel === undefined || bias === undefined) throw new RangeError(`missing weights of layer ${index}`);
    const options = { activation: outputActivation(layer.activation), explicitTranspose };
    h = index === 0 ? denseOnData(h, kernel, bias, options) : denseOnHidden(h, kernel, bias, options);
  });
  return h;
}

/** Logits for inference (no gradient bookkeeping). */
export function inferenceLogits(spec: ModelSpec, parameters: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  spec.layers.forEach((layer, index) => {
    const kernel = parameters[2 * index];
    const bias = parameters[2 * index + 1];
    if (kernel === undefined || bias === undefined) throw new RangeError(`missing weights of layer ${index}`);
    h = denseForward(h, kernel as tf.Tensor2D, bias as tf.Tensor1D, outputActivation(layer.activation));
  });
  return h;
}

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
