import type * as tfModule from "@tensorflow/tfjs";
import { z } from "zod";
import type { Initializer } from "./initializers.ts";

/** The TensorFlow.js module, passed in so that this folder never loads it itself. */
export type Tf = typeof tfModule;
export type Tensor = tfModule.Tensor;

/** A per-sample shape (no batch dimension). */
export type Shape = readonly number[];

/** One weight tensor a layer owns, in the layer's own order. */
export type LayerWeight = {
  /** Suffix after `layerName/`, as TensorFlow.js names it (`kernel`, `moving_mean`...). */
  readonly name: string;
  readonly shape: readonly number[];
  readonly initializer: Initializer;
  /** False for statistics a layer updates itself (BatchNormalization's moving mean/variance). */
  readonly trainable: boolean;
};

export type ForwardContext = {
  readonly training: boolean;
  /** Seeds this step's randomness (Dropout masks), so a round is reproducible. */
  readonly seed: number;
};

export type ForwardResult = {
  readonly y: Tensor;
  /** New values of the layer's non-trainable weights, in order (training only). */
  readonly state?: readonly Tensor[];
};

/** A validated layer of a spec, with its shapes and weights resolved. */
export type LayerInstance = {
  readonly className: string;
  readonly name: string;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly weights: readonly LayerWeight[];
  /** The final activation when it is softmax (stripped to get logits), else undefined. */
  readonly softmaxOutput: boolean;
  /**
   * The layer's Keras config (snake_case, only validated keys), with `activation` set to
   * `linear` when `logits` and the layer ends in softmax.
   */
  kerasConfig(logits: boolean): Record<string, unknown>;
  /** Batched forward pass; `weights` in the layer's order. Softmax is never applied. */
  forward(tf: Tf, x: Tensor, weights: readonly Tensor[], context: ForwardContext): ForwardResult;
};

/** One layer family: its Keras class names and how to validate one of its configs. */
export type LayerFamily = {
  readonly classNames: readonly string[];
  /**
   * Validates `config` (untrusted) for an input of `inputShape`. Throws a {@link LayerSpecError}
   * naming the problem.
   */
  create(className: string, config: unknown, inputShape: Shape): LayerInstance;
};

/** A problem with one layer's config; the parser adds which layer. */
export class LayerSpecError extends Error {}

/** Bounds that keep an untrusted spec from asking a client for absurd memory or time. */
export const MODEL_BOUNDS = {
  maxLayers: 64,
  maxUnits: 16_384,
  maxFilters: 4_096,
  maxKernelSize: 15,
  maxStride: 16,
  /** TensorFlow.js cannot differentiate dilated convolutions. */
  maxDilation: 1,
  maxDepthMultiplier: 64,
  maxInputSize: 1 << 20,
  /** Scalars per sample of any layer's output. */
  maxActivationSize: 1 << 22,
  maxParameters: 50_000_000,
  maxClasses: 16_384,
} as const;

/** Keys every Keras layer config may carry; fedledger accepts only their default meaning. */
export const commonLayerKeys = {
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, "letters, digits, _ . - only, at most 128"),
  trainable: z.literal(true).optional(),
  dtype: z.literal("float32").nullable().optional(),
  batch_input_shape: z.array(z.int().min(1).max(MODEL_BOUNDS.maxInputSize).nullable()).min(2).max(5).optional(),
  input_shape: z.array(z.int().min(1).max(MODEL_BOUNDS.maxInputSize)).min(1).max(4).optional(),
  batch_size: z.null().optional(),
};

/** A regularizer or constraint slot: fedledger supports none, so it must be null. */
export const unsupportedSlot = z.null({ error: "regularizers and constraints are not supported (must be null)" }).optional();

/** Parses with `schema`, turning issues into one LayerSpecError. */
export function parseConfig<T extends z.ZodType>(schema: T, config: unknown): z.output<T> {
  const result = schema.safeParse(config);
  if (!result.success) throw new LayerSpecError(z.prettifyError(result.error).slice(0, 600));
  return result.data;
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Drops the keys fedledger fills itself (batch_input_shape / input_shape) from a config. */
export function kerasBase(config: { name: string }): Record<string, unknown> {
  return { name: config.name, trainable: true };
}
