import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { checkTrainingData, type TrainingData } from "../training/trainingData.ts";
import { compileModelSpec, inputSize, type ModelSpec, shapeSize } from "../training/modelSpec.ts";

type Activation = "relu" | "tanh" | "sigmoid" | "linear" | "softmax";
const FLOAT64_ACTIVATIONS: readonly string[] = ["relu", "tanh", "sigmoid", "linear", "softmax"];
/** Layers the float64 pass handles: dense stacks (Flatten, Dropout: identity at inference). */
const FLOAT64_LAYERS: readonly string[] = ["Dense", "Flatten", "Dropout", "Activation"];

/** Mean losses above this (or not finite) count as this: keeps utilities finite and bounded. */
export const MAX_VALIDATION_LOSS = 1e6;

/** Utility of a model given as flat float64 weights in layout order. */
export type ValidationUtility = (weights: Float64Array) => number;

type Layer = { fanIn: number; units: number; kernelOffset: number; biasOffset: number; activation: Activation };

function activate(activation: Activation, z: Float64Array): void {
  if (activation === "linear" || activation === "softmax") return;
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
 * the last layer gives logits; per sample ℓ = (m − z_label) + log Σ_j exp(z_j − m) with
 * m = max z, in that order (so huge equal logits give log(classes), not a rounded-off 0); the mean is Σ ℓ / numSamples in sample order, then capped at
 * MAX_VALIDATION_LOSS (a non-finite mean counts as the cap). Math.exp / log / tanh are
 * V8's fdlibm ports, identical on every platform Node runs on.
 *
 * Loss rather than accuracy: it is continuous, so a small real improvement is measured
 * instead of vanishing below one validation sample's worth of accuracy, and it penalises
 * an update that damages the model's confidence without flipping an argmax.
 */
export function createValidationUtility(specInput: ModelSpec, data: TrainingData): ValidationUtility {
  const spec = specInput;
  const model = compileModelSpec(spec);
  checkTrainingData(spec, data);
  const layers: Layer[] = [];
  model.layers.forEach((layer, index) => {
    const activation = String(layer.kerasConfig(false).activation ?? "linear");
    if (!FLOAT64_LAYERS.includes(layer.className) || !FLOAT64_ACTIVATIONS.includes(activation)) {
      throw new FedLedgerError("INVALID_CONFIG", "Validation scoring supports dense models only", {
        details: `layer ${layer.name} (${layer.className}, activation ${activation}); supported: ${FLOAT64_LAYERS.join(", ")} with ${FLOAT64_ACTIVATIONS.join(", ")}`,
      });
    }
    const [kernelAt, biasAt] = model.layerWeights[index] as readonly number[];
    if (layer.className === "Activation") {
      const previous = layers[layers.length - 1];
      if (previous === undefined || previous.activation !== "linear") {
        throw new FedLedgerError("INVALID_CONFIG", "Validation scoring supports an Activation layer only after a linear Dense layer", { details: layer.name });
      }
      previous.activation = activation as Activation;
      return;
    }
    if (layer.className !== "Dense") return;
    if (kernelAt === undefined || biasAt === undefined) {
      throw new FedLedgerError("INVALID_CONFIG", "Validation scoring needs Dense layers with a bias", { details: layer.name });
    }
    layers.push({ fanIn: layer.inputShape[0] as number, units: layer.outputShape[0] as number, kernelOffset: kernelAt, biasOffset: biasAt, activation: activation as Activation });
  });
  // Offsets: layout indices to flat offsets (every weight of a dense model is trainable, in layout order).
  const offsets: number[] = [];
  let offset = 0;
  for (const weight of model.weights) {
    offsets.push(offset);
    offset += shapeSize(weight.shape);
  }
  for (const layer of layers) {
    layer.kernelOffset = offsets[layer.kernelOffset] as number;
    layer.biasOffset = offsets[layer.biasOffset] as number;
  }
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
      // (m − z_label) first: with huge logits, m + log Σ would round the log away (loss 0).
      lossSum += max - (z[data.labels[r] as number] as number) + Math.log(sum);
    }
    const loss = lossSum / data.numSamples;
    return -(Number.isFinite(loss) && loss < MAX_VALIDATION_LOSS ? loss : MAX_VALIDATION_LOSS);
  };
}
