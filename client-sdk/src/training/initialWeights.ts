import { initializeWeight } from "../model/initializers.ts";
import { compileModelSpec, type ModelSpec } from "./modelSpec.ts";
import { createSeededRandom, type Seed } from "./seededUniform.ts";

/**
 * The deterministic genesis weights of `spec`, in {@link layerLayout} order, derived
 * without TensorFlow.js so any party re-derives the same bytes: one
 * {@link createSeededRandom} stream for the whole model, consumed in layout order, each
 * weight filled as its layer's initializer says (see `initializeWeight`; constant
 * initializers such as zero biases consume no draws). For the MLP shorthand: Glorot-uniform
 * kernels, `limit = sqrt(6 / (fanIn + fanOut))`, value `fround(-limit + 2·limit·u)`.
 */
export function initialWeights(spec: ModelSpec, seed: Seed): Float32Array[] {
  const random = createSeededRandom(seed);
  return compileModelSpec(spec).weights.map(({ initializer, shape }) => initializeWeight(initializer, shape, random));
}
