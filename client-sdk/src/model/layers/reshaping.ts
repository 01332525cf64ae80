import { z } from "zod";
import { commonLayerKeys, kerasBase, type LayerFamily, LayerSpecError, MODEL_BOUNDS, parseConfig, shapeSize } from "../layerFamily.ts";

const flattenConfig = z.strictObject({ ...commonLayerKeys, data_format: z.literal("channels_last").nullable().optional() });
const reshapeConfig = z.strictObject({
  ...commonLayerKeys,
  target_shape: z.array(z.int().min(1).max(MODEL_BOUNDS.maxInputSize)).min(1).max(4),
});

/** Flatten (rank ≥ 2 per sample, as TensorFlow.js requires) and Reshape (same number of values). */
export const reshapingFamily: LayerFamily = {
  classNames: ["Flatten", "Reshape"],
  create(className, raw, inputShape) {
    const size = shapeSize(inputShape);
    if (className === "Flatten") {
      const config = parseConfig(flattenConfig, raw);
      if (inputShape.length < 2) throw new LayerSpecError(`Flatten needs an input of rank 2 or more; got [${inputShape.join(",")}]`);
      return {
        className,
        name: config.name,
        inputShape,
        outputShape: [size],
        weights: [],
        softmaxOutput: false,
        kerasConfig: () => kerasBase(config),
        forward: (tf, x) => ({ y: tf.reshape(x, [-1, size]) }),
      };
    }
    if (className !== "Reshape") throw new LayerSpecError(`not a reshaping layer: ${className}`);
    const config = parseConfig(reshapeConfig, raw);
    const target = config.target_shape;
    if (shapeSize(target) !== size) {
      throw new LayerSpecError(`Reshape to [${target.join(",")}] does not hold the input [${inputShape.join(",")}]`);
    }
    return {
      className,
      name: config.name,
      inputShape,
      outputShape: target,
      weights: [],
      softmaxOutput: false,
      kerasConfig: () => ({ ...kerasBase(config), target_shape: target }),
      forward: (tf, x) => ({ y: tf.reshape(x, [-1, ...target]) }),
    };
  },
};
