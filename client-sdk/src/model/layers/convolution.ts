import type { Tensor4D } from "@tensorflow/tfjs";
import { z } from "zod";
import { activationSchema, applyActivation } from "../activations.ts";
import { initializerSchema, ZEROS } from "../initializers.ts";
import {
  commonLayerKeys,
  kerasBase,
  type LayerFamily,
  type LayerWeight,
  LayerSpecError,
  MODEL_BOUNDS,
  parseConfig,
  type Tensor,
  unsupportedSlot,
} from "../layerFamily.ts";
import {
  checkStridesAndDilation,
  dataFormatSchema,
  dilationSchema,
  imageShape,
  kernelSizeSchema,
  paddingSchema,
  spatialOutput,
  stridesSchema,
} from "./spatial.ts";

const convolutionKeys = {
  ...commonLayerKeys,
  kernel_size: kernelSizeSchema,
  strides: stridesSchema.default([1, 1]),
  padding: paddingSchema.default("valid"),
  data_format: dataFormatSchema,
  dilation_rate: dilationSchema.default([1, 1]),
  activation: activationSchema.default("linear"),
  use_bias: z.boolean().default(true),
  bias_initializer: initializerSchema.default(ZEROS),
  bias_regularizer: unsupportedSlot,
  activity_regularizer: unsupportedSlot,
  bias_constraint: unsupportedSlot,
};

const filters = z.int().min(1).max(MODEL_BOUNDS.maxFilters);
const depthMultiplier = z.int().min(1).max(MODEL_BOUNDS.maxDepthMultiplier).default(1);

const configs = {
  Conv2D: z.strictObject({
    ...convolutionKeys,
    filters,
    kernel_initializer: initializerSchema,
    kernel_regularizer: unsupportedSlot,
    kernel_constraint: unsupportedSlot,
  }),
  DepthwiseConv2D: z.strictObject({
    ...convolutionKeys,
    depth_multiplier: depthMultiplier,
    depthwise_initializer: initializerSchema,
    depthwise_regularizer: unsupportedSlot,
    depthwise_constraint: unsupportedSlot,
  }),
  SeparableConv2D: z.strictObject({
    ...convolutionKeys,
    filters,
    depth_multiplier: depthMultiplier,
    depthwise_initializer: initializerSchema,
    pointwise_initializer: initializerSchema,
    depthwise_regularizer: unsupportedSlot,
    pointwise_regularizer: unsupportedSlot,
    depthwise_constraint: unsupportedSlot,
    pointwise_constraint: unsupportedSlot,
  }),
};

type ConvolutionClass = keyof typeof configs;

function isConvolutionClass(name: string): name is ConvolutionClass {
  return Object.hasOwn(configs, name);
}

/**
 * 2-D convolutions over channels-last images: Conv2D (kernel [kh, kw, in, filters]),
 * DepthwiseConv2D (depthwise_kernel [kh, kw, in, multiplier]) and SeparableConv2D
 * (depthwise_kernel, then pointwise_kernel [1, 1, in·multiplier, filters]); then bias and
 * activation.
 */
export const convolutionFamily: LayerFamily = {
  classNames: Object.keys(configs),
  create(className, raw, inputShape) {
    if (!isConvolutionClass(className)) throw new LayerSpecError(`not a convolution: ${className}`);
    const [, , channels] = imageShape(className, inputShape);
    const common = parseConfig(configs[className], raw);
    const { kernel_size: size, strides, dilation_rate: dilation, padding } = common;
    checkStridesAndDilation(strides, dilation);
    const [outH, outW] = spatialOutput(className, inputShape, size, strides, dilation, padding);
    const weights: LayerWeight[] = [];
    let outChannels: number;
    const keras: Record<string, unknown> = {
      ...kerasBase(common),
      kernel_size: size,
      strides,
      padding,
      data_format: "channels_last",
      dilation_rate: dilation,
      use_bias: common.use_bias,
      bias_initializer: common.bias_initializer,
    };
    if (className === "Conv2D") {
      const config = parseConfig(configs.Conv2D, raw);
      outChannels = config.filters;
      weights.push({ name: "kernel", shape: [size[0], size[1], channels, config.filters], initializer: config.kernel_initializer, trainable: true });
      Object.assign(keras, { filters: config.filters, kernel_initializer: config.kernel_initializer });
    } else if (className === "DepthwiseConv2D") {
      const config = parseConfig(configs.DepthwiseConv2D, raw);
      outChannels = channels * config.depth_multiplier;
      weights.push({ name: "depthwise_kernel", shape: [size[0], size[1], channels, config.depth_multiplier], initializer: config.depthwise_initializer, trainable: true });
      Object.assign(keras, { depth_multiplier: config.depth_multiplier, depthwise_initializer: config.depthwise_initializer });
    } else {
      const config = parseConfig(configs.SeparableConv2D, raw);
      outChannels = config.filters;
      weights.push({ name: "depthwise_kernel", shape: [size[0], size[1], channels, config.depth_multiplier], initializer: config.depthwise_initializer, trainable: true });
      weights.push({ name: "pointwise_kernel", shape: [1, 1, channels * config.depth_multiplier, config.filters], initializer: config.pointwise_initializer, trainable: true });
      Object.assign(keras, {
        filters: config.filters,
        depth_multiplier: config.depth_multiplier,
        depthwise_initializer: config.depthwise_initializer,
        pointwise_initializer: config.pointwise_initializer,
      });
    }
    if (common.use_bias) weights.push({ name: "bias", shape: [outChannels], initializer: common.bias_initializer, trainable: true });
    return {
      className,
      name: common.name,
      inputShape,
      outputShape: [outH, outW, outChannels],
      weights,
      softmaxOutput: false,
      kerasConfig: () => ({ ...keras, activation: common.activation }),
      forward(tf, x, tensors) {
        const image = x as Tensor4D;
        const kernel = tensors[0] as Tensor4D;
        let y: Tensor;
        let next = 1;
        if (className === "Conv2D") {
          y = tf.conv2d(image, kernel, strides, padding, "NHWC", dilation);
        } else if (className === "DepthwiseConv2D") {
          y = tf.depthwiseConv2d(image, kernel, strides, padding, "NHWC", dilation);
        } else {
          y = tf.separableConv2d(image, kernel, tensors[1] as Tensor4D, strides, padding, dilation, "NHWC");
          next = 2;
        }
        const bias = tensors[next];
        if (bias !== undefined) y = tf.add(y, bias);
        return { y: applyActivation(tf, common.activation, y) };
      },
    };
  },
};
