import { z } from "zod";
import { ACTIVATION_NAMES } from "./activations.ts";
import { MODEL_BOUNDS } from "./layerFamily.ts";

/** Activations of the MLP shorthand's hidden layers. */
export const HIDDEN_ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"] as const;
/** Activations the MLP shorthand's layers may declare; `softmax` only on the output layer. */
export const ACTIVATIONS = [...HIDDEN_ACTIVATIONS, "softmax"] as const;
export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];
export type Activation = (typeof ACTIVATIONS)[number];

export const denseLayerSchema = z.strictObject({
  units: z.int().min(1).max(MODEL_BOUNDS.maxUnits),
  activation: z.enum(ACTIVATIONS),
});

/**
 * The MLP shorthand (`kind: "mlp"`): the input is flattened, then Dense layers `dense_0`,
 * `dense_1`... with Glorot-uniform kernels and zero biases; the last is the softmax
 * classifier. Equivalent to the Sequential spec it expands to.
 */
export const mlpSpecSchema = z.strictObject({
  kind: z.literal("mlp"),
  inputShape: z.array(z.int().min(1).max(MODEL_BOUNDS.maxInputSize)).min(1).max(4),
  layers: z.array(denseLayerSchema).min(1).max(32),
});

const layerEntrySchema = z.strictObject({
  class_name: z.string().max(64),
  config: z.record(z.string().max(64), z.unknown()),
  module: z.string().max(128).nullable().optional(),
  registered_name: z.string().max(128).nullable().optional(),
});

/**
 * A Sequential model's topology, as `model.toJSON(undefined, false)` in TensorFlow.js or
 * `model.get_config()` wrapped as `{class_name: "Sequential", config}` in Keras gives it.
 * Each layer's config is validated by its family (see the layer registry).
 */
export const sequentialSpecSchema = z.strictObject({
  class_name: z.literal("Sequential"),
  config: z.strictObject({
    name: z.string().max(128).optional(),
    layers: z.array(layerEntrySchema).min(1).max(MODEL_BOUNDS.maxLayers),
    trainable: z.literal(true).optional(),
    dtype: z.literal("float32").nullable().optional(),
  }),
  keras_version: z.string().max(64).optional(),
  backend: z.string().max(64).optional(),
});

/** Structure only; {@link modelSpecSchema} in compileModelSpec.ts also checks layers, shapes and bounds. */
export const modelSpecShapeSchema = z.union([mlpSpecSchema, sequentialSpecSchema]);

export type MlpSpec = z.output<typeof mlpSpecSchema>;
export type SequentialSpec = z.output<typeof sequentialSpecSchema>;
export type DenseLayerSpec = z.output<typeof denseLayerSchema>;
/** A model spec: the MLP shorthand or a Sequential topology. */
export type ModelSpec = MlpSpec | SequentialSpec;

export { ACTIVATION_NAMES };
