import { z } from "zod";
import { FedLedgerError } from "../errors/FedLedgerError.ts";

/** Activations of hidden layers. */
export const HIDDEN_ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"] as const;
/** Activations a dense layer may declare; `softmax` is reserved for the output layer. */
export const ACTIVATIONS = [...HIDDEN_ACTIVATIONS, "softmax"] as const;

export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];
export type Activation = (typeof ACTIVATIONS)[number];

/** Bounds that keep a coordinator-sent spec from asking a client for absurd memory. */
export const MAX_LAYERS = 32;
export const MAX_UNITS = 16_384;
export const MAX_INPUT_SIZE = 1 << 20;
export const MAX_PARAMETERS = 50_000_000;

export const denseLayerSchema = z.strictObject({
  units: z.int().min(1).max(MAX_UNITS),
  activation: z.enum(ACTIVATIONS),
});

/**
 * The JSON model topology a coordinator sends. Only multi-layer perceptrons for now
 * (`kind` leaves room for more): the input is flattened, then dense layers follow; the
 * last layer is the softmax classifier over `units` classes.
 */
export const modelSpecSchema = z
  .strictObject({
    kind: z.literal("mlp"),
    inputShape: z.array(z.int().min(1).max(MAX_INPUT_SIZE)).min(1).max(4),
    layers: z.array(denseLayerSchema).min(1).max(MAX_LAYERS),
  })
  .superRefine((spec, ctx) => {
    const last = spec.layers.length - 1;
    spec.layers.forEach((layer, index) => {
      if (index === last && layer.activation !== "softmax") {
        ctx.addIssue({
          code: "custom",
          path: ["layers", index, "activation"],
          message: "the last layer must be softmax",
        });
      }
      if (index === last && layer.units < 2) {
        ctx.addIssue({
          code: "custom",
          path: ["layers", index, "units"],
          message: "a classifier needs at least 2 classes",
        });
      }
      if (index !== last && layer.activation === "softmax") {
        ctx.addIssue({
          code: "custom",
          path: ["layers", index, "activation"],
          message: "softmax only on the last layer",
        });
      }
    });
    const size = spec.inputShape.reduce((a, b) => a * b, 1);
    if (size > MAX_INPUT_SIZE) {
      ctx.addIssue({ code: "custom", path: ["inputShape"], message: `input size exceeds ${MAX_INPUT_SIZE}` });
    }
    let fanIn = size;
    let parameters = 0;
    for (const layer of spec.layers) {
      parameters += fanIn * layer.units + layer.units;
      fanIn = layer.units;
    }
    if (parameters > MAX_PARAMETERS) {
      ctx.addIssue({ code: "custom", path: ["layers"], message: `more than ${MAX_PARAMETERS} parameters` });
    }
  });

export type DenseLayerSpec = z.output<typeof denseLayerSchema>;
export type ModelSpec = z.output<typeof modelSpecSchema>;

/** One weight tensor of a model, in canonical order. Shapes are row-major. */
export type WeightLayoutEntry = { readonly name: string; readonly shape: readonly number[] };

/** Validates an untrusted spec (e.g. from the wire); throws INVALID_CONFIG. */
export function parseModelSpec(input: unknown): ModelSpec {
  const result = modelSpecSchema.safeParse(input);
  if (!result.success) {
    throw new FedLedgerError("INVALID_CONFIG", "Invalid model spec", {
      details: z.prettifyError(result.error),
      cause: result.error,
    });
  }
  return result.data;
}

/** Number of input features: the product of `inputShape`. */
export function inputSize(spec: ModelSpec): number {
  return spec.inputShape.reduce((a, b) => a * b, 1);
}

/** Number of classes: the units of the softmax output layer. */
export function numClasses(spec: ModelSpec): number {
  const last = spec.layers[spec.layers.length - 1];
  if (last === undefined) throw new FedLedgerError("INVALID_CONFIG", "Model spec has no layers");
  return last.units;
}

/**
 * The canonical ordered list of weight tensors: for each dense layer i, `dense_i/kernel`
 * of shape [fanIn, units] (row-major, input index major) then `dense_i/bias` of shape
 * [units]. This is also the order of `tf.LayersModel.getWeights()` of {@link buildModel}.
 */
export function layerLayout(spec: ModelSpec): WeightLayoutEntry[] {
  const checked = parseModelSpec(spec);
  const layout: WeightLayoutEntry[] = [];
  let fanIn = inputSize(checked);
  checked.layers.forEach((layer, index) => {
    layout.push({ name: `dense_${index}/kernel`, shape: [fanIn, layer.units] });
    layout.push({ name: `dense_${index}/bias`, shape: [layer.units] });
    fanIn = layer.units;
  });
  return layout;
}

/** Number of scalars in a tensor of `shape`. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Total number of trainable scalars of the model. */
export function parameterCount(spec: ModelSpec): number {
  return layerLayout(spec).reduce((total, entry) => total + shapeSize(entry.shape), 0);
}
