// The model spec's public surface (kept here for existing imports); the parser, allow-list
// and layer families live in ../model/.
import { compileModelSpec, type WeightLayoutEntry } from "../model/compileModelSpec.ts";
import { MODEL_BOUNDS, shapeSize } from "../model/layerFamily.ts";
import type { ModelSpec } from "../model/modelSpecSchema.ts";

export { compileModelSpec, type CompiledModel, type ModelWeight, modelSpecSchema, parseModelSpec, type WeightLayoutEntry } from "../model/compileModelSpec.ts";
export { MODEL_BOUNDS, shapeSize } from "../model/layerFamily.ts";
export { ALLOWED_LAYER_CLASSES } from "../model/layerRegistry.ts";
export {
  type Activation,
  ACTIVATIONS,
  type DenseLayerSpec,
  denseLayerSchema,
  type HiddenActivation,
  HIDDEN_ACTIVATIONS,
  type MlpSpec,
  type ModelSpec,
  type SequentialSpec,
} from "../model/modelSpecSchema.ts";

export const MAX_LAYERS = MODEL_BOUNDS.maxLayers;
export const MAX_UNITS = MODEL_BOUNDS.maxUnits;
export const MAX_INPUT_SIZE = MODEL_BOUNDS.maxInputSize;
export const MAX_PARAMETERS = MODEL_BOUNDS.maxParameters;

/** The model's per-sample input shape. */
export function modelInputShape(spec: ModelSpec): readonly number[] {
  return compileModelSpec(spec).inputShape;
}

/** Number of input features: the product of the input shape. */
export function inputSize(spec: ModelSpec): number {
  return shapeSize(compileModelSpec(spec).inputShape);
}

/** Number of classes: the size of the softmax output. */
export function numClasses(spec: ModelSpec): number {
  return compileModelSpec(spec).numClasses;
}

/**
 * The canonical ordered list of weight tensors, `layerName/weightName` with the model's
 * shapes, in the TensorFlow.js model's own `weights` order (trainable weights layer by
 * layer, then non-trainable ones such as BatchNormalization's moving statistics). For the
 * MLP shorthand: `dense_i/kernel` [fanIn, units] then `dense_i/bias` [units] per layer.
 */
export function layerLayout(spec: ModelSpec): WeightLayoutEntry[] {
  return compileModelSpec(spec).weights.map(({ name, shape }) => ({ name, shape }));
}

/** Total number of scalars of the model (trainable and not). */
export function parameterCount(spec: ModelSpec): number {
  return compileModelSpec(spec).parameterCount;
}
