import { activationSchema, applyActivation } from "../activations.ts";
import { initializerSchema, ZEROS } from "../initializers.ts";
import { z } from "zod";
import {
  commonLayerKeys,
  kerasBase,
  type LayerFamily,
  LayerSpecError,
  MODEL_BOUNDS,
  parseConfig,
  unsupportedSlot,
  type Tensor,
} from "../layerFamily.ts";

const denseConfig = z.strictObject({
  ...commonLayerKeys,
  units: z.int().min(1).max(MODEL_BOUNDS.maxUnits),
  activation: activationSchema.default("linear"),
  use_bias: z.boolean().default(true),
  kernel_initializer: initializerSchema,
  bias_initializer: initializerSchema.default(ZEROS),
  kernel_regularizer: unsupportedSlot,
  bias_regularizer: unsupportedSlot,
  activity_regularizer: unsupportedSlot,
  kernel_constraint: unsupportedSlot,
  bias_constraint: unsupportedSlot,
});

/** Dense: y = act(x·W + b) over the last axis (input must be a vector per sample). */
export const denseFamily: LayerFamily = {
  classNames: ["Dense"],
  create(className, raw, inputShape) {
    const config = parseConfig(denseConfig, raw);
    if (inputShape.length !== 1) {
      throw new LayerSpecError(`Dense needs a vector input; got [${inputShape.join(",")}] (add Flatten first)`);
    }
    const fanIn = inputShape[0] as number;
    const weights = [{ name: "kernel", shape: [fanIn, config.units], initializer: config.kernel_initializer, trainable: true }];
    if (config.use_bias) weights.push({ name: "bias", shape: [config.units], initializer: config.bias_initializer, trainable: true });
    return {
      className,
      name: config.name,
      inputShape,
      outputShape: [config.units],
      weights,
      softmaxOutput: config.activation === "softmax",
      kerasConfig: (logits) => ({
        ...kerasBase(config),
        units: config.units,
        activation: logits && config.activation === "softmax" ? "linear" : config.activation,
        use_bias: config.use_bias,
        kernel_initializer: config.kernel_initializer,
        bias_initializer: config.bias_initializer,
      }),
      forward(tf, x, [kernel, bias]) {
        // matMul then add (not fused): the tape then skips the gradient for a data input.
        let z = tf.matMul(x, kernel as Tensor);
        if (bias !== undefined) z = tf.add(z, bias);
        return { y: applyActivation(tf, config.activation, z) };
      },
    };
  },
};
