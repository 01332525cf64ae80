/** Standard normal CDF, Φ(x), via erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Φ⁻¹(p) for p in (0, 1), by bisection on Φ (ample precision for an attack parameter). */
function normalQuantile(p: number): number {
  let low = -10;
  let high = 10;
  for (let i = 0; i < 80; i++) {
    const middle = (low + high) / 2;
    if (normalCdf(middle) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/**
 * ALIE's z_max (Baruch, Baruch & Goldberg, "A Little Is Enough", NeurIPS 2019, eq. 1):
 * with n workers and m colluders, s = ⌊n/2 + 1⌋ − m honest workers must be "won over";
 * z_max = Φ⁻¹((n − s) / n), the largest shift that keeps the colluders closer to the
 * mean than that many honest updates. It is 0 for a single colluder among 10.
 */
export function alieZ(participants: number, colluders: number): number {
  const s = Math.floor(participants / 2 + 1) - colluders;
  return normalQuantile((participants - s) / participants);
}

/** mean − z·std per coordinate (population std) of `updates`, layer by layer. */
export function alieUpdate(updates: readonly (readonly Float32Array[])[], z: number): Float32Array[] {
  const first = updates[0];
  if (!first) throw new Error("ALIE needs at least one honest update");
  return first.map((layer, l) => {
    const out = new Float32Array(layer.length);
    for (let k = 0; k < layer.length; k++) {
      let sum = 0;
      let squares = 0;
      for (const update of updates) {
        const v = (update[l] as Float32Array)[k] as number;
        sum += v;
        squares += v * v;
      }
      const mean = sum / updates.length;
      const std = Math.sqrt(Math.max(0, squares / updates.length - mean * mean));
      out[k] = mean - z * std;
    }
    return out;
  });
}
