/** L2 norm of a flat delta: s = +0; s += x[k]·x[k] for k ascending, in binary64. */
export function deltaNorm(delta: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < delta.length; k++) sum += (delta[k] as number) * (delta[k] as number);
  return Math.sqrt(sum);
}

/** The upper median (sorted[⌊n/2⌋]); 0 for an empty list. */
export function upperMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

/**
 * Each delta's scale in the contribution game: min(1, m / ‖Δ_i‖) with m the upper median
 * of the deltas' norms (binary64 division). So no player's step counts for more than a
 * typical update's: scaling an honest update up (a model-replacement attempt) buys no more
 * value than sending it as trained, and an honest majority sets m. Zero deltas keep 1.
 */
export function capPlayerNorms(deltas: readonly Float32Array[]): number[] {
  const norms = deltas.map(deltaNorm);
  const cap = upperMedian(norms);
  return norms.map((norm) => (norm > cap && norm > 0 ? cap / norm : 1));
}
