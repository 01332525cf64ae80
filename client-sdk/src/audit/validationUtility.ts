import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { checkTrainingData, type TrainingData } from "../training/trainingData.ts";
import { compileModelSpec, type ModelSpec, shapeSize } from "../training/modelSpec.ts";
import { float64Steps } from "./float64Layers/float64Steps.ts";

/** Mean losses above this (or not finite) count as this: keeps utilities finite and bounded. */
export const MAX_VALIDATION_LOSS = 1e6;

/** Utility of a model given as flat float64 weights in layout order. */
export type ValidationUtility = (weights: Float64Array) => number;

/**
 * The utility contribution scorers measure: minus the mean softmax crossentropy of a model
 * on a labelled validation set, computed by a plain float64 forward pass so that any
 * auditor re-derives it bit for bit (TensorFlow.js backends differ in summation order and
 * precision, and the backend choice is process-global).
 *
 * The arithmetic, fixed: samples in dataset order; each sample's features widened to
 * binary64, then layer by layer on channels-last row-major values (one file per layer kind
 * in ./float64Layers/, each documenting its order):
 * - Dense, and 1×1 convolutions: per output unit j, z_j = b_j (0 without bias), then
 *   z_j += x_k · W[k, j] for k ascending, skipping x_k = 0 (exact: the weights are finite);
 * - Conv2D / DepthwiseConv2D: per output pixel (row-major) and channel, the bias, then the
 *   taps ky, kx, input channel ascending, skipping padding and x = 0; padding `same` puts
 *   ⌊total / 2⌋ before, as TensorFlow.js; SeparableConv2D is its depthwise stage (no bias)
 *   then a 1×1 convolution with the bias;
 * - MaxPooling2D / AveragePooling2D over the window's taps inside the input, ky then kx
 *   ascending (average: sum / number of such taps); GlobalAveragePooling2D: per channel the
 *   row-major sum / pixels; BatchNormalization: (x − mean) / √(variance + ε) · γ + β;
 * - Flatten, Reshape, Dropout: identity (inference); an activation (own or an Activation
 *   layer): relu max(z, 0), tanh Math.tanh, sigmoid 1 / (1 + Math.exp(-z)), element-wise;
 * the last layer gives logits (its softmax is not applied); per sample ℓ = (m − z_label) + log Σ_j exp(z_j − m) with
 * m = max z, in that order (so huge equal logits give log(classes), not a rounded-off 0); the mean is Σ ℓ / numSamples in sample order, then capped at
 * MAX_VALIDATION_LOSS (a non-finite mean counts as the cap). Math.exp / log / tanh are
 * V8's fdlibm ports, identical on every platform Node runs on; Math.sqrt is correctly rounded.
 *
 * Loss rather than accuracy: it is continuous, so a small real improvement is measured
 * instead of vanishing below one validation sample's worth of accuracy, and it penalises
 * an update that damages the model's confidence without flipping an argmax.
 */
export function createValidationUtility(spec: ModelSpec, data: TrainingData): ValidationUtility {
  const model = compileModelSpec(spec);
  checkTrainingData(spec, data);
  const steps = float64Steps(model);
  const parameterCount = model.parameterCount;
  const rowSize = shapeSize(model.inputShape);
  const widest = Math.max(rowSize, ...steps.map((s) => s.outputSize));
  const buffers = [new Float64Array(widest), new Float64Array(widest)] as const;
  // A first step that takes sparse rows (Dense) reads the inputs' non-zeros, found once.
  const first = steps[0]?.runSparse ? steps[0] : undefined;
  const sparse = first ? sparseRows(data.features, data.numSamples, rowSize) : undefined;
  const rest = first ? steps.slice(1) : steps;

  return (weights) => {
    if (weights.length !== parameterCount) {
      throw new FedLedgerError("SHAPE_MISMATCH", "Weights do not match the model", { details: `expected ${parameterCount}, got ${weights.length}` });
    }
    let lossSum = 0;
    for (let r = 0; r < data.numSamples; r++) {
      let flip = false;
      let z: Float64Array;
      if (first?.runSparse && sparse) {
        flip = true;
        z = buffers[1].subarray(0, first.outputSize);
        first.runSparse({ ...sparse, from: sparse.rowStart[r] as number, to: sparse.rowStart[r + 1] as number }, z, weights);
      } else {
        z = buffers[0].subarray(0, rowSize);
        for (let k = 0; k < rowSize; k++) z[k] = data.features[r * rowSize + k] as number;
      }
      for (const step of rest) {
        if (step.inPlace) {
          step.run(z, z, weights);
          continue;
        }
        flip = !flip;
        const next = buffers[flip ? 1 : 0].subarray(0, step.outputSize);
        step.run(z, next, weights);
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

/** The inputs' non-zero values (float64) with their column, row by row; rowStart[r]..rowStart[r + 1] is row r. */
function sparseRows(features: ArrayLike<number>, rows: number, rowSize: number): { columns: Int32Array; values: Float64Array; rowStart: Int32Array } {
  let nonZero = 0;
  for (let i = 0; i < rows * rowSize; i++) if (features[i] !== 0) nonZero++;
  const columns = new Int32Array(nonZero);
  const values = new Float64Array(nonZero);
  const rowStart = new Int32Array(rows + 1);
  let at = 0;
  for (let r = 0; r < rows; r++) {
    rowStart[r] = at;
    for (let k = 0; k < rowSize; k++) {
      const v = features[r * rowSize + k] as number;
      if (v === 0) continue;
      columns[at] = k;
      values[at++] = v;
    }
  }
  rowStart[rows] = at;
  return { columns, values, rowStart };
}
