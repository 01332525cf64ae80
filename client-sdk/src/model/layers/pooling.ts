import type { Tensor4D } from "@tensorflow/tfjs";
import { z } from "zod";
import { commonLayerKeys, kerasBase, type LayerFamily, LayerSpecError, MODEL_BOUNDS, parseConfig } from "../layerFamily.ts";
import { dataFormatSchema, imageShape, pairSchema, paddingSchema, spatialOutput, stridesSchema } from "./spatial.ts";

const windowConfig = z.strictObject({
  ...commonLayerKeys,
  pool_size: pairSchema(MODEL_BOUNDS.maxKernelSize).default([2, 2]),
  strides: stridesSchema.nullable().optional(),
  padding: paddingSchema.default("valid"),
  data_format: dataFormatSchema,
});

const globalConfig = z.strictObject({ ...commonLayerKeys, data_format: dataFormatSchema, keepdims: z.literal(false).optional() });

/** MaxPooling2D / AveragePooling2D (strides default to the pool size), GlobalAveragePooling2D. */
export const poolingFamily: LayerFamily = {
  classNames: ["MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D"],
  create(className, raw, inputShape) {
    const [, , channels] = imageShape(className, inputShape);
    if (className === "GlobalAveragePooling2D") {
      const config = parseConfig(globalConfig, raw);
      return {
        className,
        name: config.name,
        inputShape,
        outputShape: [channels],
        weights: [],
        softmaxOutput: false,
        kerasConfig: () => ({ ...kerasBase(config), data_format: "channels_last" }),
        forward: (tf, x) => ({ y: tf.mean(x, [1, 2]) }),
      };
    }
    if (className !== "MaxPooling2D" && className !== "AveragePooling2D") throw new LayerSpecError(`not a pooling layer: ${className}`);
    const config = parseConfig(windowConfig, raw);
    const size = config.pool_size;
    const strides = config.strides ?? size;
    const [outH, outW] = spatialOutput(className, inputShape, size, strides, [1, 1], config.padding);
    const max = className === "MaxPooling2D";
    return {
      className,
      name: config.name,
      inputShape,
      outputShape: [outH, outW, channels],
      weights: [],
      softmaxOutput: false,
      kerasConfig: () => ({ ...kerasBase(config), pool_size: size, strides, padding: config.padding, data_format: "channels_last" }),
      forward: (tf, x) => ({
        y: max ? tf.maxPool(x as Tensor4D, size, strides, config.padding) : tf.avgPool(x as Tensor4D, size, strides, config.padding),
      }),
    };
  },
};
