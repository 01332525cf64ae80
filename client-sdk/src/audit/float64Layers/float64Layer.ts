import { FedLedgerError } from "../../errors/FedLedgerError.ts";
import type { LayerInstance } from "../../model/layerFamily.ts";

/** Activations the float64 pass computes; softmax only ends the model (its logits are scored). */
export type Float64Activation = "relu" | "tanh" | "sigmoid" | "linear" | "softmax";
export const FLOAT64_ACTIVATIONS: readonly string[] = ["relu", "tanh", "sigmoid", "linear", "softmax"];

/** One step of the per-sample pass: reads `x`, writes `y` (both exactly sized), weights flat. */
export type Float64Step = {
  readonly outputSize: number;
  /** In-place steps (activations) write `x` itself and ignore `y`. */
  readonly inPlace: boolean;
  run(x: Float64Array, y: Float64Array, weights: Float64Array): void;
  /**
   * The same step on a sparse input row (its non-zero values by ascending index), where
   * the step can skip zeros exactly (a Dense layer): the first step of a model reads the
   * inputs this way, precomputed once, which makes mostly-zero images several times faster.
   */
  runSparse?(input: SparseRow, y: Float64Array, weights: Float64Array): void;
};

/** Non-zero entries `from` (inclusive) to `to` (exclusive) of `columns`/`values`, columns ascending. */
export type SparseRow = { readonly columns: Int32Array; readonly values: Float64Array; readonly from: number; readonly to: number };

/** Where a layer's tensors start in the flat weight vector, by weight name. */
export type WeightOffsets = (name: string) => number | undefined;

/** relu max(z, 0), tanh Math.tanh, sigmoid 1 / (1 + Math.exp(−z)); linear and softmax leave z. */
export function activate(activation: Float64Activation, z: Float64Array): void {
  if (activation === "linear" || activation === "softmax") return;
  for (let j = 0; j < z.length; j++) {
    const v = z[j] as number;
    if (activation === "relu") z[j] = v > 0 ? v : 0;
    else if (activation === "tanh") z[j] = Math.tanh(v);
    else if (activation === "sigmoid") z[j] = 1 / (1 + Math.exp(-v));
  }
}

/** The layer's activation, refused (INVALID_CONFIG naming the layer) unless the pass computes it. */
export function layerActivation(layer: LayerInstance): Float64Activation {
  const activation = String(layer.kerasConfig(false).activation ?? "linear");
  if (!FLOAT64_ACTIVATIONS.includes(activation)) {
    throw new FedLedgerError("INVALID_CONFIG", `Validation scoring does not support activation ${activation} (layer ${layer.name})`, {
      details: `layer ${layer.name} (${layer.className}, activation ${activation}); supported activations: ${FLOAT64_ACTIVATIONS.join(", ")}`,
    });
  }
  return activation as Float64Activation;
}

/** An in-place activation step (none for linear / softmax). */
export function activationStep(activation: Float64Activation, size: number): Float64Step | undefined {
  if (activation === "linear" || activation === "softmax") return undefined;
  return { outputSize: size, inPlace: true, run: (x) => activate(activation, x) };
}

/** A [height, width] pair from a Keras config value. */
export function pair(value: unknown): [number, number] {
  return value as [number, number];
}

/** Offset of a required weight, or an INTERNAL error (the compiled layer always has it). */
export function requiredOffset(offsets: WeightOffsets, layer: LayerInstance, name: string): number {
  const at = offsets(name);
  if (at === undefined) throw new FedLedgerError("INTERNAL", `Layer ${layer.name} has no ${name}`);
  return at;
}
