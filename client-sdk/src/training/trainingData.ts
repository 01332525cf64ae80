import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { inputSize, modelInputShape, type ModelSpec, numClasses, shapeSize } from "./modelSpec.ts";
import type { Dataset } from "../data/Dataset.ts";

/**
 * A local labelled dataset: `numSamples` rows of `featureShape` float32 features
 * (row-major, one row after another) and one class index per row: the SDK's `Dataset`.
 */
export type TrainingData = Dataset;

/** Strips trailing size-1 axes: [28, 28] and [28, 28, 1] are the same image. */
function squeezeTrailing(shape: readonly number[]): readonly number[] {
  let end = shape.length;
  while (end > 1 && shape[end - 1] === 1) end--;
  return shape.slice(0, end);
}

/** Whether data of `featureShape` feeds a model input of `modelShape` (equal up to trailing 1s). */
export function shapesCompatible(featureShape: readonly number[], modelShape: readonly number[]): boolean {
  const a = squeezeTrailing(featureShape);
  const b = squeezeTrailing(modelShape);
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Checks `data` against `spec`: SHAPE_MISMATCH when shapes or lengths disagree with the
 * model (the number of classes is the model's: a party may hold fewer), INVALID_DATASET for no samples, out-of-range labels or non-finite features.
 */
export function checkTrainingData(spec: ModelSpec, data: TrainingData): void {
  const { features, labels, numSamples, featureShape } = data;
  if (!Number.isSafeInteger(numSamples) || numSamples < 1) {
    throw new FedLedgerError("INVALID_DATASET", "The dataset has no samples", {
      details: `numSamples = ${numSamples}`,
    });
  }
  const modelShape = modelInputShape(spec);
  if (!shapesCompatible(featureShape, modelShape)) {
    // Same number of values in another layout (28×28 images, a 784-input MLP): say how the model takes them.
    const hint =
      shapeSize(featureShape) === shapeSize(modelShape)
        ? `; both hold ${shapeSize(modelShape)} values: declare the input [${featureShape.join(",")}] and reshape in the model (Flatten before Dense layers, Reshape before Conv2D)`
        : "";
    throw new FedLedgerError(
      "SHAPE_MISMATCH",
      `Feature shape [${featureShape.join(",")}] does not match the model input [${modelShape.join(",")}]${hint}`,
      { details: `features [${featureShape.join(",")}], model input [${modelShape.join(",")}]` },
    );
  }
  const classes = numClasses(spec);
  if (data.numClasses > classes) {
    throw new FedLedgerError("SHAPE_MISMATCH", `The data has ${data.numClasses} classes, the model outputs ${classes}`, {
      details: `data has ${data.numClasses} classes, model outputs ${classes}`,
    });
  }
  const rowSize = inputSize(spec);
  if (!(features instanceof Float32Array) || features.length !== numSamples * rowSize) {
    throw new FedLedgerError("SHAPE_MISMATCH", "Feature array length does not match numSamples", {
      details: `expected ${numSamples} x ${rowSize} float32 values, got ${features.length}`,
    });
  }
  if (!(labels instanceof Int32Array) || labels.length !== numSamples) {
    throw new FedLedgerError("SHAPE_MISMATCH", "Label array length does not match numSamples", {
      details: `expected ${numSamples} int32 labels, got ${labels.length}`,
    });
  }
  for (let i = 0; i < numSamples; i++) {
    const label = labels[i] as number;
    if (label < 0 || label >= classes) {
      throw new FedLedgerError("INVALID_DATASET", "A label is out of range", {
        details: `labels[${i}] = ${label}, classes 0..${classes - 1}`,
      });
    }
  }
  for (let i = 0; i < features.length; i++) {
    if (!Number.isFinite(features[i])) {
      throw new FedLedgerError("INVALID_DATASET", "A feature is not finite", { details: `features[${i}]` });
    }
  }
}

/**
 * Copies the rows `indices[start..end)` of `features` into one contiguous array: into the
 * front of `into` when given (reusing a batch buffer saves a zero-filled allocation per
 * batch), else into a new array.
 */
export function gatherRows(
  features: Float32Array,
  rowSize: number,
  indices: Uint32Array,
  start: number,
  end: number,
  into?: Float32Array,
): Float32Array {
  const size = (end - start) * rowSize;
  const out = into ? into.subarray(0, size) : new Float32Array(size);
  for (let r = start; r < end; r++) {
    const row = indices[r] as number;
    out.set(features.subarray(row * rowSize, (row + 1) * rowSize), (r - start) * rowSize);
  }
  return out;
}

/** Copies the labels `indices[start..end)`, into the front of `into` when given. */
export function gatherLabels(
  labels: Int32Array,
  indices: Uint32Array,
  start: number,
  end: number,
  into?: Int32Array,
): Int32Array {
  const out = into ? into.subarray(0, end - start) : new Int32Array(end - start);
  for (let r = start; r < end; r++) out[r - start] = labels[indices[r] as number] as number;
  return out;
}
