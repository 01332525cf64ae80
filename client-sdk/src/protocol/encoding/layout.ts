import { FedLedgerError } from "../../errors/FedLedgerError.ts";

/** One weight tensor of a model, in the model's canonical layer order. */
export type LayerSpec = { readonly name: string; readonly shape: readonly number[] };

/** Weights or an update: one Float32Array per layer, in layout order. */
export type Weights = readonly Float32Array[];

export function layerSize(layer: LayerSpec): number {
  return layer.shape.reduce((n, d) => n * d, 1);
}

export function parameterCount(layout: readonly LayerSpec[]): number {
  return layout.reduce((n, layer) => n + layerSize(layer), 0);
}

/** Throws SHAPE_MISMATCH unless `weights` has exactly the layout's layers and sizes. */
export function assertWeightsMatchLayout(weights: Weights, layout: readonly LayerSpec[]): void {
  if (weights.length !== layout.length) {
    throw new FedLedgerError("SHAPE_MISMATCH", "Wrong number of layers", {
      details: `expected ${layout.length}, got ${weights.length}`,
    });
  }
  layout.forEach((layer, i) => {
    const size = layerSize(layer);
    if (weights[i]?.length !== size) {
      throw new FedLedgerError("SHAPE_MISMATCH", `Layer ${layer.name} has the wrong size`, {
        details: `expected ${size} values, got ${weights[i]?.length}`,
      });
    }
  });
}
