import type { SparseRow } from "./float64Layer.ts";

/**
 * Dense (one position) and 1×1 convolutions: for each position p and output unit j,
 * y_pj = b_j (0 without bias), then y_pj += x_pk · W[k, j] for k ascending, skipping
 * x_pk = 0 (exact: the weights are finite).
 */
export function pointwise(
  x: Float64Array,
  y: Float64Array,
  w: Float64Array,
  positions: number,
  fanIn: number,
  units: number,
  kernel: number,
  bias: number | undefined,
): void {
  for (let p = 0; p < positions; p++) {
    const out = p * units;
    if (bias === undefined) y.fill(0, out, out + units);
    else for (let j = 0; j < units; j++) y[out + j] = w[bias + j] as number;
    const row = p * fanIn;
    for (let k = 0; k < fanIn; k++) {
      const v = x[row + k] as number;
      if (v === 0) continue;
      const base = kernel + k * units;
      for (let j = 0; j < units; j++) y[out + j] = (y[out + j] as number) + v * (w[base + j] as number);
    }
  }
}

/**
 * A Dense layer on a sparse row: y_j = b_j (0 without bias), then y_j += x_k · W[k, j]
 * over the row's non-zero x_k, k ascending: the same operations in the same order as
 * pointwise's dense loop, which skips the zeros, so the result is bit-identical.
 */
export function pointwiseSparse(input: SparseRow, y: Float64Array, w: Float64Array, units: number, kernel: number, bias: number | undefined): void {
  if (bias === undefined) y.fill(0, 0, units);
  else for (let j = 0; j < units; j++) y[j] = w[bias + j] as number;
  for (let e = input.from; e < input.to; e++) {
    const v = input.values[e] as number;
    const base = kernel + (input.columns[e] as number) * units;
    for (let j = 0; j < units; j++) y[j] = (y[j] as number) + v * (w[base + j] as number);
  }
}
