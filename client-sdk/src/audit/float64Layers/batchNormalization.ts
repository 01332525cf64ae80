/**
 * BatchNormalization at inference, per value of channel c: (x − mean_c) / √(variance_c + ε),
 * then · gamma_c (when scaled), then + beta_c (when centred); ε as the spec gives it.
 */
export function batchNormalize(
  x: Float64Array,
  y: Float64Array,
  w: Float64Array,
  channels: number,
  offsets: { mean: number; variance: number; gamma: number | undefined; beta: number | undefined; epsilon: number },
): void {
  const { mean, variance, gamma, beta, epsilon } = offsets;
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    let v = ((x[i] as number) - (w[mean + c] as number)) / Math.sqrt((w[variance + c] as number) + epsilon);
    if (gamma !== undefined) v *= w[gamma + c] as number;
    if (beta !== undefined) v += w[beta + c] as number;
    y[i] = v;
  }
}
