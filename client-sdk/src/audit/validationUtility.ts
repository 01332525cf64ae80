import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { checkTrainingData, type TrainingData } from "../training/trainingData.ts";
import { type Activation, inputSize, layerLayout, type ModelSpec, parseModelSpec, shapeSize } from "../training/modelSpec.ts";

/** Mean losses above this (or not finite) count as this: keeps utilities finite and bounded. */
export const MAX_VALIDATION_LOSS = 1e6;

/** Utility of a model given as flat float64 weights in layout order. */
export type ValidationUtility = (weights: Float64Array) => number;

type Layer = { fanIn: number; units: number; kernelOffset: number; biasOffset: number; activation: Activation };

function activate(activation: Activation, z: Float64Array): void {
  for (let j = 0; j < z.length; j++) {
    const v = z[j] as number;
    if (activation === "relu") z[j] = v > 0 ? v : 0;
    else if (activation === "tanh") z[j] = Math.tanh(v);
    else if (activation === "sigmoid") z[j] = 1 / (1 + Math.exp(-v));
  }
}

/**
 * The utility contribution scorers measure: minus the mean softmax crossentropy of a model
 * on a labelled validation set, computed by a plain float64 forward pass so that any
 * auditor re-derives it bit for bit (TensorFlow.js backends differ in summation order and
 * precision, and the backend choice is process-global).
 *
 * The arithmetic, fixed: samples in dataset order; per dense layer and output unit j,
 * z_j = b_j, then z_j += x_k · W[k, j] for k ascending, skipping x_k = 0 (exact: the
 * weights are finite); relu max(z, 0), tanh Math.tanh, sigmoid 1 / (1 + Math.exp(-z));
 * the last layer gives logits; per sample ℓ = m + log Σ_j exp(z_j − m) − z_label with
 * m = max z; the mean is Σ ℓ / numSamples in sample order, then capped at
 * MAX_VALIDATION_LOSS (a non-finite mean counts as the cap). Math.exp / log / tanh are
 * V8's fdlibm ports, identical on every platform Node runs on.
 *
 * Loss rather than accuracy: it is continuous, so a small real improvement is measured
 * instead of vanishing below one validation sample's worth of accuracy, and it penalises
 * an update that damages the model's confidence without flipping an argmax.
 */
export function createValidationUtility(specInput: ModelSpec, data: TrainingData): ValidationUtility {
  const spec = parseModelSpec(specInput);
  checkTrainingData(spec, data);
  const layout = layerLayout(spec);
  const layers: Layer[] = [];
  let offset = 0;
  spec.layers.forEach((layer, index) => {
    const kernel = layout[2 * index];
    const bias = layout[2 * index + 1];
    if (kernel === undefined || bias === undefined) throw new FedLedgerError("INTERNAL", "Layout does not match the spec");
    const fanIn = kernel.shape[0] as number;
    layers.push({ fanIn, units: layer.units, kernelOffset: offset, biasOffset: offset + shapeSize(kernel.shape), activation: layer.activation });
    offset += shapeSize(kernel.shape) + shapeSize(bias.shape);
  });
  const parameterCount = offset;

  // The inputs as sparse rows (column index, float64 value), built once.
  const rowSize = inputSize(spec);
  const rowStart = new Int32Array(data.numSamples + 1);
  let nonZero = 0;
  for (let i = 0; i < data.features.length; i++) if (data.features[i] !== 0) nonZero++;
  const columns = new Int32Array(nonZero);
  const values = new Float64Array(nonZero);
  let at = 0;
  for (let r = 0; r < data.numSamples; r++) {
    rowStart[r] = at;
    for (let k = 0; k < rowSize; k++) {
      const v = data.features[r * rowSize + k] as number;
      if (v !== 0) {
        columns[at] = k;
        values[at++] = v;
      }
    }
  }
  rowStart[data.numSamples] = at;

  const widest = Math.max(...layers.map((l) => l.units));
  const bufferA = new Float64Array(widest);
  const bufferB = new Float64Array(widest);
  const first = layers[0] as Layer;

  return (weights) => {
    if (weights.length !== parameterCount) {
      throw new FedLedgerError("SHAPE_MISMATCH", "Weights do not match the model", { details: `expected ${parameterCount}, got ${weights.length}` });
    }
    let lossSum = 0;
    for (let r = 0; r < data.numSamples; r++) {
      let z = bufferA.subarray(0, first.units);
      z.set(weights.subarray(first.biasOffset, first.biasOffset + first.units));
      for (let e = rowStart[r] as number; e < (rowStart[r + 1] as number); e++) {
        const x = values[e] as number;
        const base = first.kernelOffset + (columns[e] as number) * first.units;
        for (let j = 0; j < first.units; j++) z[j] = (z[j] as number) + x * (weights[base + j] as number);
      }
      for (let l = 1; l < layers.length; l++) {
        const previous = layers[l - 1] as Layer;
        activate(previous.activation, z);
        const layer = layers[l] as Layer;
        const next = (z.buffer === bufferA.buffer ? bufferB : bufferA).subarray(0, layer.units);
        next.set(weights.subarray(layer.biasOffset, layer.biasOffset + layer.units));
        for (let k = 0; k < layer.fanIn; k++) {
          const x = z[k] as number;
          if (x === 0) continue;
          const base = layer.kernelOffset + k * layer.units;
          for (let j = 0; j < layer.units; j++) next[j] = (next[j] as number) + x * (weights[base + j] as number);
        }
        z = next;
      }
      let max = -Infinity;
      for (let j = 0; j < z.length; j++) if ((z[j] as number) > max) max = z[j] as number;
      let sum = 0;
      for (let j = 0; j < z.length; j++) sum += Math.exp((z[j] as number) - max);
      lossSum += max + Math.log(sum) - (z[data.labels[r] as number] as number);
    }
    const loss = lossSum / data.numSamples;
    return -(Number.isFinite(loss) && loss < MAX_VALIDATION_LOSS ? loss : MAX_VALIDATION_LOSS);
  };
}
