import { z } from "zod";
import type { Tensor, Tf } from "./layerFamily.ts";

/** Activations a layer may declare; `softmax` only on the model's output. */
export const ACTIVATION_NAMES = ["linear", "relu", "relu6", "elu", "selu", "sigmoid", "tanh", "softplus", "softsign", "swish", "softmax"] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

export const activationSchema = z.enum(ACTIVATION_NAMES);

/** Applies `activation`; softmax is left to the caller (the loss works on logits). */
export function applyActivation(tf: Tf, activation: ActivationName, x: Tensor): Tensor {
  switch (activation) {
    case "relu":
      return tf.relu(x);
    case "relu6":
      return tf.relu6(x);
    case "elu":
      return tf.elu(x);
    case "selu":
      return tf.selu(x);
    case "sigmoid":
      return tf.sigmoid(x);
    case "tanh":
      return tf.tanh(x);
    case "softplus":
      return tf.softplus(x);
    case "softsign":
      return tf.div(x, tf.add(tf.abs(x), 1));
    case "swish":
      return tf.mul(x, tf.sigmoid(x));
    case "linear":
    case "softmax":
      return x;
  }
}
