import { layerLayout, type ModelSpec, shapeSize } from "./modelSpec.ts";
import { createSeededRandom, fillUniform, type Seed } from "./seededUniform.ts";

/**
 * The deterministic genesis weights of `spec`, in {@link layerLayout} order, derived
 * without TensorFlow.js so any party re-derives the same bytes:
 *
 * - one {@link createSeededRandom} stream for the whole model, consumed in layout order;
 * - kernels: Glorot-uniform, `limit = sqrt(6 / (fanIn + fanOut))`, each value
 *   `fround(-limit + 2 * limit * u)` in row-major order;
 * - biases: zeros (they consume no draws).
 */
export function initialWeights(spec: ModelSpec, seed: Seed): Float32Array[] {
  const random = createSeededRandom(seed);
  return layerLayout(spec).map(({ shape }) => {
    const values = new Float32Array(shapeSize(shape));
    const [fanIn, fanOut] = shape;
    if (shape.length === 2 && fanIn !== undefined && fanOut !== undefined) {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      fillUniform(random, values, -limit, limit);
    }
    return values;
  });
}
