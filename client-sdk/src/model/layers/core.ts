import { z } from "zod";
import { activationSchema, applyActivation } from "../activations.ts";
import { commonLayerKeys, kerasBase, type LayerFamily, LayerSpecError, parseConfig } from "../layerFamily.ts";

const dropoutConfig = z.strictObject({
  ...commonLayerKeys,
  rate: z.number().min(0).lt(1),
  noise_shape: z.null({ error: "noise_shape is not supported" }).optional(),
  seed: z.number().nullable().optional(),
});
const activationConfig = z.strictObject({ ...commonLayerKeys, activation: activationSchema });

/**
 * Dropout (identity at inference; in training a mask from the step's seed, so rounds are
 * reproducible; the layer's own `seed` is ignored) and Activation.
 */
export const coreFamily: LayerFamily = {
  classNames: ["Dropout", "Activation"],
  create(className, raw, inputShape) {
    if (className === "Dropout") {
      const config = parseConfig(dropoutConfig, raw);
      const rate = config.rate;
      return {
        className,
        name: config.name,
        inputShape,
        outputShape: inputShape,
        weights: [],
        softmaxOutput: false,
        kerasConfig: () => ({ ...kerasBase(config), rate }),
        forward(tf, x, _weights, context) {
          if (!context.training || rate === 0) return { y: x };
          const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, "float32", context.seed), rate), "float32");
          return { y: tf.mul(x, tf.div(keep, 1 - rate)) };
        },
      };
    }
    if (className !== "Activation") throw new LayerSpecError(`not a core layer: ${className}`);
    const config = parseConfig(activationConfig, raw);
    return {
      className,
      name: config.name,
      inputShape,
      outputShape: inputShape,
      weights: [],
      softmaxOutput: config.activation === "softmax",
      kerasConfig: (logits) => ({ ...kerasBase(config), activation: logits && config.activation === "softmax" ? "linear" : config.activation }),
      forward: (tf, x) => ({ y: applyActivation(tf, config.activation, x) }),
    };
  },
};
