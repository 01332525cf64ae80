import { z } from "zod";
import type { SeededRandom } from "../training/seededUniform.ts";

const seed = z.number().nullable().optional();
const emptyConfig = z.strictObject({}).optional();

/** Keras initializer configs fedledger can reproduce deterministically (`seed` is ignored: genesis has its own). */
export const initializerSchema = z.discriminatedUnion("class_name", [
  z.strictObject({ class_name: z.enum(["Zeros", "Ones"]), config: emptyConfig }),
  z.strictObject({ class_name: z.literal("Constant"), config: z.strictObject({ value: z.number().min(-1e6).max(1e6) }) }),
  z.strictObject({
    class_name: z.literal("VarianceScaling"),
    config: z.strictObject({
      scale: z.number().positive().max(1000),
      mode: z.enum(["fan_in", "fan_out", "fan_avg"]),
      distribution: z.enum(["uniform", "normal", "truncated_normal", "untruncated_normal"]),
      seed,
    }),
  }),
  z.strictObject({
    class_name: z.enum(["GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform", "LecunNormal"]),
    config: z.strictObject({ seed }).optional(),
  }),
  z.strictObject({
    class_name: z.literal("RandomUniform"),
    config: z.strictObject({ minval: z.number().min(-1e6).max(1e6), maxval: z.number().min(-1e6).max(1e6), seed }),
  }),
  z.strictObject({
    class_name: z.enum(["RandomNormal", "TruncatedNormal"]),
    config: z.strictObject({ mean: z.number().min(-1e6).max(1e6), stddev: z.number().min(0).max(1e6), seed }),
  }),
]);

export type Initializer = z.output<typeof initializerSchema>;

export const ZEROS: Initializer = { class_name: "Zeros", config: {} };
export const ONES: Initializer = { class_name: "Ones", config: {} };
/** Glorot (Xavier) uniform, the MLP shorthand's kernel initializer. */
export const GLOROT_UNIFORM: Initializer = {
  class_name: "VarianceScaling",
  config: { scale: 1, mode: "fan_avg", distribution: "uniform", seed: null },
};

/** Fans as TensorFlow.js computes them (channels-last kernels: receptive field × channels). */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 2) return { fanIn: shape[0] as number, fanOut: shape[1] as number };
  if (shape.length > 2) {
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    return { fanIn: (shape[shape.length - 2] as number) * receptive, fanOut: (shape[shape.length - 1] as number) * receptive };
  }
  const size = shape.reduce((a, b) => a * b, 1);
  return { fanIn: size, fanOut: size };
}

/** Keras' stddev correction for a normal truncated at two standard deviations. */
const TRUNCATED_STDDEV = 0.8796256610342398;

function standardNormal(random: SeededRandom, truncated: boolean): number {
  for (;;) {
    const u1 = 1 - random.nextFloat();
    const u2 = random.nextFloat();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    if (!truncated || Math.abs(z) <= 2) return z;
  }
}

function varianceScaling(init: Initializer): { scale: number; mode: "fan_in" | "fan_out" | "fan_avg"; distribution: string } | undefined {
  switch (init.class_name) {
    case "VarianceScaling":
      return init.config;
    case "GlorotUniform":
      return { scale: 1, mode: "fan_avg", distribution: "uniform" };
    case "GlorotNormal":
      return { scale: 1, mode: "fan_avg", distribution: "truncated_normal" };
    case "HeUniform":
      return { scale: 2, mode: "fan_in", distribution: "uniform" };
    case "HeNormal":
      return { scale: 2, mode: "fan_in", distribution: "truncated_normal" };
    case "LecunUniform":
      return { scale: 1, mode: "fan_in", distribution: "uniform" };
    case "LecunNormal":
      return { scale: 1, mode: "fan_in", distribution: "truncated_normal" };
    default:
      return undefined;
  }
}

/**
 * The values of a weight of `shape` as `init` says, drawing from `random` (row-major, each
 * value computed in float64 and rounded once to float32). Zeros, Ones and Constant draw
 * nothing. Uniform variance scaling: limit = sqrt(k · scale / fans) with k = 6 for fan_avg
 * over (fanIn + fanOut), else 3 over the chosen fan; value = -limit + 2·limit·u. Normals:
 * Box–Muller from two draws per value (a truncated normal redraws beyond 2σ).
 */
export function initializeWeight(init: Initializer, shape: readonly number[], random: SeededRandom): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const scaling = varianceScaling(init);
  if (scaling !== undefined) {
    const { fanIn, fanOut } = computeFans(shape);
    const variance =
      scaling.mode === "fan_avg"
        ? (2 * scaling.scale) / Math.max(1, fanIn + fanOut)
        : scaling.scale / Math.max(1, scaling.mode === "fan_in" ? fanIn : fanOut);
    if (scaling.distribution === "uniform") {
      const limit = scaling.mode === "fan_avg" ? Math.sqrt((6 * scaling.scale) / Math.max(1, fanIn + fanOut)) : Math.sqrt(3 * variance);
      const span = 2 * limit;
      for (let i = 0; i < out.length; i++) out[i] = -limit + span * random.nextFloat();
      return out;
    }
    const truncated = scaling.distribution !== "untruncated_normal";
    const stddev = Math.sqrt(variance) / (truncated ? TRUNCATED_STDDEV : 1);
    for (let i = 0; i < out.length; i++) out[i] = stddev * standardNormal(random, truncated);
    return out;
  }
  switch (init.class_name) {
    case "Ones":
      return out.fill(1);
    case "Constant":
      return out.fill(init.config.value);
    case "RandomUniform": {
      const { minval, maxval } = init.config;
      for (let i = 0; i < out.length; i++) out[i] = minval + (maxval - minval) * random.nextFloat();
      return out;
    }
    case "RandomNormal":
    case "TruncatedNormal": {
      const { mean, stddev } = init.config;
      const truncated = init.class_name === "TruncatedNormal";
      for (let i = 0; i < out.length; i++) out[i] = mean + stddev * standardNormal(random, truncated);
      return out;
    }
    default:
      return out;
  }
}
