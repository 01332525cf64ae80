import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { seededPermutation } from "./seededRandom.ts";

/**
 * An in-memory labelled dataset.
 *
 * `features` is row-major: sample `i` occupies
 * `features.subarray(i * rowSize, (i + 1) * rowSize)` where `rowSize` is the product of
 * `featureShape` (see {@link featureSize}). `labels[i]` is the class index of sample `i`,
 * in `[0, numClasses)`.
 */
export type Dataset = {
  readonly features: Float32Array;
  readonly labels: Int32Array;
  readonly numSamples: number;
  /** Shape of one sample, e.g. `[28, 28]` for IDX images or `[784]` for flattened digits. */
  readonly featureShape: readonly number[];
  readonly numClasses: number;
};

export type CreateDatasetParameters = {
  features: Float32Array;
  labels: Int32Array;
  featureShape: readonly number[];
  /** Defaults to `max(labels) + 1` (0 for an empty dataset). */
  numClasses?: number;
};

/** Number of feature values in one sample: the product of `featureShape` (1 for `[]`). */
export function featureSize(featureShape: readonly number[]): number {
  let size = 1;
  for (const dim of featureShape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new FedLedgerError("INVALID_DATASET", "feature shape dimensions must be non-negative integers", {
        details: `featureShape [${featureShape.join(", ")}]`,
      });
    }
    size *= dim;
  }
  if (!Number.isSafeInteger(size)) {
    throw new FedLedgerError("INVALID_DATASET", "feature shape is too large", {
      details: `featureShape [${featureShape.join(", ")}]`,
    });
  }
  return size;
}

/**
 * Builds a {@link Dataset} after checking that the arrays agree with the shape and that
 * every label is a class index in `[0, numClasses)`. Throws INVALID_DATASET otherwise.
 * The arrays are used as given, not copied.
 */
export function createDataset({ features, labels, featureShape, numClasses }: CreateDatasetParameters): Dataset {
  const rowSize = featureSize(featureShape);
  const numSamples = labels.length;
  if (features.length !== numSamples * rowSize) {
    throw new FedLedgerError("INVALID_DATASET", "features do not match labels and feature shape", {
      details: `${numSamples} labels x ${rowSize} values per sample needs ${numSamples * rowSize} features, got ${features.length}`,
    });
  }
  let maxLabel = -1;
  for (let i = 0; i < numSamples; i++) {
    const label = labels[i] ?? 0;
    if (label < 0) {
      throw new FedLedgerError("INVALID_DATASET", "labels must be non-negative class indices", {
        details: `sample ${i} has label ${label}`,
      });
    }
    if (label > maxLabel) maxLabel = label;
  }
  const classes = numClasses ?? maxLabel + 1;
  if (!Number.isSafeInteger(classes) || classes < 0) {
    throw new FedLedgerError("INVALID_CONFIG", "numClasses must be a non-negative integer", {
      details: `got ${String(classes)}`,
    });
  }
  if (maxLabel >= classes) {
    throw new FedLedgerError("INVALID_DATASET", "a label is not below numClasses", {
      details: `largest label ${maxLabel}, numClasses ${classes}`,
    });
  }
  return { features, labels, numSamples, featureShape: Object.freeze([...featureShape]), numClasses: classes };
}

/**
 * The samples at `indices`, in that order, as a new dataset with copied arrays. Indices
 * may repeat. `numClasses` and `featureShape` are kept. Throws INVALID_CONFIG for an
 * index that is not an integer in `[0, numSamples)`.
 */
export function subsetDataset(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const rowSize = featureSize(dataset.featureShape);
  const count = indices.length;
  const features = new Float32Array(count * rowSize);
  const labels = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const index = indices[k];
    if (index === undefined || !Number.isInteger(index) || index < 0 || index >= dataset.numSamples) {
      throw new FedLedgerError("INVALID_CONFIG", "subset index out of range", {
        details: `indices[${k}] = ${String(index)}, dataset has ${dataset.numSamples} samples`,
      });
    }
    labels[k] = dataset.labels[index] ?? 0;
    features.set(dataset.features.subarray(index * rowSize, (index + 1) * rowSize), k * rowSize);
  }
  return {
    features,
    labels,
    numSamples: count,
    featureShape: dataset.featureShape,
    numClasses: dataset.numClasses,
  };
}

/**
 * A copy of `dataset` with its samples in an order fixed by `seed` (Fisher-Yates driven by
 * mulberry32, see `seededRandom.ts`): the same seed gives the same order on every machine.
 */
export function shuffleDataset(dataset: Dataset, seed: number): Dataset {
  return subsetDataset(dataset, seededPermutation(dataset.numSamples, seed));
}
