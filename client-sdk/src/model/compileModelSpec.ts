import { z } from "zod";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { GLOROT_UNIFORM, type Initializer, ZEROS } from "./initializers.ts";
import { type LayerInstance, LayerSpecError, MODEL_BOUNDS, type Shape, shapeSize } from "./layerFamily.ts";
import { ALLOWED_LAYER_CLASSES, layerFamily } from "./layerRegistry.ts";
import { type MlpSpec, mlpSpecSchema, type ModelSpec, type SequentialSpec, sequentialSpecSchema } from "./modelSpecSchema.ts";

/** One weight tensor of a model, in canonical order. Shapes are row-major. */
export type WeightLayoutEntry = { readonly name: string; readonly shape: readonly number[] };

/** A layout entry with what genesis and training need. */
export type ModelWeight = WeightLayoutEntry & {
  readonly initializer: Initializer;
  readonly trainable: boolean;
  /** Index of the owning layer in {@link CompiledModel.layers}. */
  readonly layer: number;
};

/** A validated spec with every shape resolved. */
export type CompiledModel = {
  readonly inputShape: Shape;
  readonly layers: readonly LayerInstance[];
  /** Canonical order: the TensorFlow.js model's own `weights` order (trainable weights layer by layer, then the non-trainable). */
  readonly weights: readonly ModelWeight[];
  /** Per layer, the indices into `weights` of its tensors, in the layer's own order. */
  readonly layerWeights: readonly (readonly number[])[];
  readonly numClasses: number;
  readonly parameterCount: number;
  /** The Sequential model as Keras JSON; `logits` drops the final softmax. */
  kerasTopology(logits: boolean): Record<string, unknown>;
};

function invalid(details: string, cause?: unknown): FedLedgerError {
  return new FedLedgerError("INVALID_CONFIG", `Invalid model spec: ${details.split("\n")[0]?.slice(0, 200)}`, { details, cause });
}

/** The Keras layer list of the MLP shorthand: Flatten for rank > 1, then dense_0, dense_1... with Glorot-uniform kernels. */
function mlpLayers(spec: MlpSpec): { class_name: string; config: Record<string, unknown> }[] {
  const batchInputShape = [null, ...spec.inputShape];
  const layers: { class_name: string; config: Record<string, unknown> }[] = [];
  if (spec.inputShape.length > 1) layers.push({ class_name: "Flatten", config: { name: "flatten", batch_input_shape: batchInputShape } });
  spec.layers.forEach((layer, index) => {
    layers.push({
      class_name: "Dense",
      config: {
        name: `dense_${index}`,
        units: layer.units,
        activation: layer.activation,
        kernel_initializer: GLOROT_UNIFORM,
        bias_initializer: ZEROS,
        ...(layers.length === 0 ? { batch_input_shape: batchInputShape } : {}),
      },
    });
  });
  return layers;
}

function declaredInputShape(config: unknown): number[] | undefined {
  if (typeof config !== "object" || config === null) return undefined;
  const record = config as Record<string, unknown>;
  const batch = Object.hasOwn(record, "batch_input_shape") ? record.batch_input_shape : Object.hasOwn(record, "batch_shape") ? record.batch_shape : undefined;
  if (Array.isArray(batch)) return batch.slice(1) as number[];
  const input = Object.hasOwn(record, "input_shape") ? record.input_shape : undefined;
  return Array.isArray(input) ? (input as number[]) : undefined;
}

const inputLayerConfig = z.strictObject({
  name: z.string().max(128).optional(),
  batch_input_shape: z.array(z.int().min(1).max(MODEL_BOUNDS.maxInputSize).nullable()).min(2).max(5).optional(),
  batch_shape: z.array(z.int().min(1).max(MODEL_BOUNDS.maxInputSize).nullable()).min(2).max(5).optional(),
  dtype: z.literal("float32").nullable().optional(),
  sparse: z.literal(false).nullable().optional(),
  ragged: z.literal(false).nullable().optional(),
});

const inputShapeSchema = z.array(z.int().min(1).max(MODEL_BOUNDS.maxInputSize)).min(1).max(4);

function compileLayers(
  rawLayers: readonly { class_name: string; config: unknown }[],
): { inputShape: Shape; layers: LayerInstance[] } {
  let list = rawLayers;
  let declared: unknown;
  if (list[0]?.class_name === "InputLayer") {
    const parsed = inputLayerConfig.safeParse(list[0].config);
    if (!parsed.success) throw invalid(`layers[0] (InputLayer): ${z.prettifyError(parsed.error)}`);
    declared = declaredInputShape(parsed.data);
    list = list.slice(1);
  } else {
    declared = declaredInputShape(list[0]?.config);
  }
  const shape = inputShapeSchema.safeParse(declared);
  if (!shape.success) {
    throw invalid("the first layer must declare batch_input_shape [null, ...dims] with 1 to 4 positive dims");
  }
  const inputShape = shape.data;
  if (shapeSize(inputShape) > MODEL_BOUNDS.maxInputSize) throw invalid(`input size exceeds ${MODEL_BOUNDS.maxInputSize}`);
  if (list.length === 0) throw invalid("the model has no layers");
  const layers: LayerInstance[] = [];
  const names = new Set<string>();
  let current: Shape = inputShape;
  list.forEach((raw, index) => {
    const where = `layers[${index}] (${String(raw.class_name).slice(0, 40)})`;
    const family = layerFamily(raw.class_name);
    if (family === undefined) {
      throw invalid(`${where}: layer class not allowed; allowed: ${ALLOWED_LAYER_CLASSES.join(", ")}`);
    }
    if (index > 0 && declaredInputShape(raw.config) !== undefined) {
      throw invalid(`${where}: only the first layer may declare an input shape`);
    }
    let layer: LayerInstance;
    try {
      layer = family.create(raw.class_name, raw.config, current);
    } catch (error) {
      if (error instanceof LayerSpecError) throw invalid(`${where}: ${error.message}`, error);
      throw error;
    }
    if (names.has(layer.name)) throw invalid(`${where}: duplicate layer name ${layer.name}`);
    names.add(layer.name);
    if (shapeSize(layer.outputShape) > MODEL_BOUNDS.maxActivationSize) {
      throw invalid(`${where}: output [${layer.outputShape.join(",")}] exceeds ${MODEL_BOUNDS.maxActivationSize} values per sample`);
    }
    const activation = layer.kerasConfig(false).activation;
    if (index !== list.length - 1 && (layer.softmaxOutput || activation === "softmax")) {
      throw invalid(`${where}: softmax only on the last layer`);
    }
    layers.push(layer);
    current = layer.outputShape;
  });
  return { inputShape, layers };
}

function compileSpec(spec: ModelSpec): CompiledModel {
  const rawLayers = "kind" in spec ? mlpLayers(spec) : (spec as SequentialSpec).config.layers;
  const { inputShape, layers } = compileLayers(rawLayers);
  const last = layers[layers.length - 1] as LayerInstance;
  if (last.outputShape.length !== 1 || !last.softmaxOutput) {
    throw invalid(`the last layer must output class probabilities: a vector through softmax; got [${last.outputShape.join(",")}] from ${last.className}`);
  }
  const numClasses = last.outputShape[0] as number;
  if (numClasses < 2 || numClasses > MODEL_BOUNDS.maxClasses) throw invalid(`a classifier needs 2 to ${MODEL_BOUNDS.maxClasses} classes; got ${numClasses}`);

  const weights: ModelWeight[] = [];
  const layerWeights: number[][] = layers.map(() => []);
  for (const trainable of [true, false]) {
    layers.forEach((layer, index) => {
      layer.weights.forEach((weight, position) => {
        if (weight.trainable !== trainable) return;
        const entries = layerWeights[index] as number[];
        entries[position] = weights.length;
        weights.push({ name: `${layer.name}/${weight.name}`, shape: weight.shape, initializer: weight.initializer, trainable, layer: index });
      });
    });
  }
  const parameterCount = weights.reduce((total, weight) => total + shapeSize(weight.shape), 0);
  if (parameterCount > MODEL_BOUNDS.maxParameters) throw invalid(`${parameterCount} parameters; at most ${MODEL_BOUNDS.maxParameters}`);

  const kerasTopology = (logits: boolean) => ({
    class_name: "Sequential",
    config: {
      name: "sequential",
      layers: layers.map((layer, index) => ({
        class_name: layer.className,
        config: {
          ...layer.kerasConfig(logits && index === layers.length - 1),
          ...(index === 0 ? { batch_input_shape: [null, ...inputShape] } : {}),
        },
      })),
    },
  });
  return { inputShape, layers, weights, layerWeights, numClasses, parameterCount, kerasTopology };
}

const compiled = new WeakMap<object, CompiledModel>();

/** The schema of the spec's form, picked by its discriminant so that errors name the real problem. */
function formSchema(input: unknown) {
  const shorthand = typeof input === "object" && input !== null && Object.hasOwn(input, "kind");
  return shorthand ? mlpSpecSchema : sequentialSpecSchema;
}

/** A model spec, fully checked (form, allow-list, shapes, bounds), for embedding in config schemas. */
export const modelSpecSchema = z.unknown().transform((input, ctx): ModelSpec => {
  const result = formSchema(input).safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    return z.NEVER;
  }
  try {
    checkPlainJson(input);
    compileSpec(result.data);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: error instanceof FedLedgerError ? (error.details ?? error.message) : String(error) });
    return z.NEVER;
  }
  return result.data;
});

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const MAX_DEPTH = 12;
const MAX_NODES = 100_000;

/**
 * Refuses what schemas do not see: prototype keys (an own `__proto__` from JSON.parse is
 * not reported as an unknown key), and nesting or size beyond any real topology.
 */
function checkPlainJson(input: unknown): void {
  let nodes = 0;
  const visit = (value: unknown, depth: number, path: string): void => {
    if (++nodes > MAX_NODES) throw invalid(`more than ${MAX_NODES} JSON values`);
    if (typeof value !== "object" || value === null) return;
    if (depth > MAX_DEPTH) throw invalid(`${path}: nested deeper than ${MAX_DEPTH}`);
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw invalid(`${path}: forbidden key ${key}`);
      visit((value as Record<string, unknown>)[key], depth + 1, `${path}.${key.slice(0, 40)}`);
    }
  };
  visit(input, 0, "spec");
}

/** Validates an untrusted spec (e.g. from the wire); returns a frozen copy. Throws INVALID_CONFIG. */
export function parseModelSpec(input: unknown): ModelSpec {
  checkPlainJson(input);
  const result = formSchema(input).safeParse(input);
  if (!result.success) throw invalid(z.prettifyError(result.error).slice(0, 2000), result.error);
  const spec = deepFreeze(structuredClone(result.data));
  compiled.set(spec, compileSpec(spec));
  return spec;
}

/** The compiled form of a spec (validating it unless it came from {@link parseModelSpec}). */
export function compileModelSpec(spec: ModelSpec): CompiledModel {
  const known = compiled.get(spec);
  if (known !== undefined) return known;
  return compiled.get(parseModelSpec(spec)) as CompiledModel;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
