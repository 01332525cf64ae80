import { FedLedgerError } from "../errors/FedLedgerError.ts";
import type { RandomSource } from "./seededRandom.ts";

/** A standard normal draw (Box-Muller; one of the pair is used). */
export function sampleStandardNormal(random: RandomSource): number {
  const u1 = 1 - random(); // (0, 1]: log is finite
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function assertShape(shape: number): void {
  if (!(Number.isFinite(shape) && shape > 0)) {
    throw new FedLedgerError("INVALID_CONFIG", "gamma shape must be a finite number > 0", { details: `got ${String(shape)}` });
  }
}

/**
 * log of a Gamma(shape, 1) draw. Marsaglia & Tsang (2000) for shape >= 1; for shape < 1
 * the boost Gamma(a) = Gamma(a + 1) * U^(1/a), kept in log space so that tiny shapes
 * (alpha = 0.01 gives values like e^-300) do not underflow to 0.
 */
export function sampleLogGamma(shape: number, random: RandomSource): number {
  assertShape(shape);
  if (shape < 1) {
    const u = 1 - random(); // (0, 1]
    return sampleLogGamma(shape + 1, random) + Math.log(u) / shape;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleStandardNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
      return Math.log(d * v);
    }
  }
}

/** A Gamma(shape, 1) draw (may underflow to 0 for very small shapes; see sampleLogGamma). */
export function sampleGamma(shape: number, random: RandomSource): number {
  return Math.exp(sampleLogGamma(shape, random));
}

/**
 * A Dirichlet(alphas) draw: independent Gamma(alpha_i) normalised to sum 1, computed from
 * log-gammas with the log-sum-exp shift so it stays finite for tiny alphas.
 */
export function sampleDirichlet(alphas: readonly number[], random: RandomSource): number[] {
  if (alphas.length === 0) {
    throw new FedLedgerError("INVALID_CONFIG", "Dirichlet needs at least one concentration parameter");
  }
  const logs = alphas.map((alpha) => sampleLogGamma(alpha, random));
  const max = logs.reduce((m, l) => Math.max(m, l), Number.NEGATIVE_INFINITY);
  const weights = logs.map((l) => Math.exp(l - max));
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => w / total);
}
