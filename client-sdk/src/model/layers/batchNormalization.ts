import { z } from "zod";
import { initializerSchema, ONES, ZEROS } from "../initializers.ts";
import { commonLayerKeys, kerasBase, type LayerFamily, type LayerWeight, parseConfig, type Tensor, unsupportedSlot } from "../layerFamily.ts";

const batchNormalizationConfig = z.strictObject({
  ...commonLayerKeys,
  axis: z.literal(-1, { error: "only axis -1 (channels last) is supported" }).default(-1),
  momentum: z.number().min(0).max(1).default(0.99),
  epsilon: z.number().positive().max(1).default(0.001),
  center: z.boolean().default(true),
  scale: z.boolean().default(true),
  beta_initializer: initializerSchema.default(ZEROS),
  gamma_initializer: initializerSchema.default(ONES),
  moving_mean_initializer: initializerSchema.default(ZEROS),
  moving_variance_initializer: initializerSchema.default(ONES),
  beta_regularizer: unsupportedSlot,
  gamma_regularizer: unsupportedSlot,
  beta_constraint: unsupportedSlot,
  gamma_constraint: unsupportedSlot,
});

/**
 * BatchNormalization over the last axis. Training normalises with the batch's moments and
 * moves moving_mean / moving_variance (biased batch variance) by `momentum`; inference uses
 * the moving statistics. The statistics are model weights like any other: they travel in
 * the update and are aggregated (not kept local as in FedBN), so the global model is one
 * complete model that the server can evaluate and anyone can export.
 */
export const batchNormalizationFamily: LayerFamily = {
  classNames: ["BatchNormalization"],
  create(className, raw, inputShape) {
    const config = parseConfig(batchNormalizationConfig, raw);
    const channels = inputShape[inputShape.length - 1] as number;
    const weights: LayerWeight[] = [];
    if (config.scale) weights.push({ name: "gamma", shape: [channels], initializer: config.gamma_initializer, trainable: true });
    if (config.center) weights.push({ name: "beta", shape: [channels], initializer: config.beta_initializer, trainable: true });
    weights.push({ name: "moving_mean", shape: [channels], initializer: config.moving_mean_initializer, trainable: false });
    weights.push({ name: "moving_variance", shape: [channels], initializer: config.moving_variance_initializer, trainable: false });
    const axes = inputShape.map((_, index) => index);
    return {
      className,
      name: config.name,
      inputShape,
      outputShape: inputShape,
      weights,
      softmaxOutput: false,
      kerasConfig: () => ({
        ...kerasBase(config),
        axis: -1,
        momentum: config.momentum,
        epsilon: config.epsilon,
        center: config.center,
        scale: config.scale,
        beta_initializer: config.beta_initializer,
        gamma_initializer: config.gamma_initializer,
        moving_mean_initializer: config.moving_mean_initializer,
        moving_variance_initializer: config.moving_variance_initializer,
      }),
      forward(tf, x, tensors, context) {
        let next = 0;
        const gamma = config.scale ? tensors[next++] : undefined;
        const beta = config.center ? tensors[next++] : undefined;
        const movingMean = tensors[next++] as Tensor;
        const movingVariance = tensors[next] as Tensor;
        if (!context.training) {
          return { y: tf.batchNorm(x, movingMean, movingVariance, beta, gamma, config.epsilon) };
        }
        const { mean, variance } = tf.moments(x, axes);
        const m = config.momentum;
        return {
          y: tf.batchNorm(x, mean, variance, beta, gamma, config.epsilon),
          state: [tf.add(tf.mul(movingMean, m), tf.mul(mean, 1 - m)), tf.add(tf.mul(movingVariance, m), tf.mul(variance, 1 - m))],
        };
      },
    };
  },
};
