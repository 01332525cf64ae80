import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { createDataset, type Dataset } from "./Dataset.ts";
import { type IdxArray, parseIdx } from "./idxFormat.ts";
import { readDataFile } from "./readDataFile.ts";

/** Reads and decodes one IDX file, gzipped or not (detected by magic, not by name). */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return parseIdx(await readDataFile(path), path);
}

export type LoadIdxDatasetOptions = {
  /** IDX file of samples: dims `[count, ...featureShape]`, any IDX data type. */
  imagesPath: string;
  /** IDX file of labels: dims `[count]`, an integer data type, values >= 0. */
  labelsPath: string;
  /**
   * Scale values to [0, 1] by their type's range (default true): ubyte `v / 255` (MNIST
   * pixels), sbyte `(v + 128) / 255`, short `(v + 32768) / 65535`,
   * int `(v + 2^31) / (2^32 - 1)`. float and double values are kept as they are.
   */
  normalize?: boolean;
  /** Number of classes; defaults to the largest label + 1. */
  numClasses?: number;
};

const NORMALIZATION: Record<IdxArray["dtype"], { offset: number; scale: number } | null> = {
  ubyte: { offset: 0, scale: 255 },
  sbyte: { offset: 128, scale: 255 },
  short: { offset: 32768, scale: 65535 },
  int: { offset: 2 ** 31, scale: 2 ** 32 - 1 },
  float: null,
  double: null,
};

/**
 * Loads an IDX image/label pair (the MNIST family: `train-images-idx3-ubyte[.gz]` with
 * `train-labels-idx1-ubyte[.gz]`, or any IDX types) into a {@link Dataset} whose
 * `featureShape` is the image dims after the first, e.g. `[28, 28]`.
 *
 * Throws INVALID_DATASET for an unreadable file, bad magic, truncated or oversized data,
 * images with fewer than 2 dims, labels that are not 1-D integers, a negative label or one
 * not below `numClasses`, non-finite float values, or image and label counts that differ.
 */
export async function loadIdxDataset({
  imagesPath,
  labelsPath,
  normalize = true,
  numClasses,
}: LoadIdxDatasetOptions): Promise<Dataset> {
  const [images, labels] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  if (images.dims.length < 2) {
    throw new FedLedgerError("INVALID_DATASET", `${imagesPath}: images need at least 2 dims [count, ...featureShape]`, {
      details: `dims [${images.dims.join(", ")}]`,
    });
  }
  if (labels.dims.length !== 1) {
    throw new FedLedgerError("INVALID_DATASET", `${labelsPath}: labels must be 1-D`, {
      details: `dims [${labels.dims.join(", ")}]`,
    });
  }
  if (labels.dtype === "float" || labels.dtype === "double") {
    throw new FedLedgerError("INVALID_DATASET", `${labelsPath}: labels must have an integer IDX type`, {
      details: `dtype ${labels.dtype}`,
    });
  }
  const imageCount = images.dims[0] ?? 0;
  const labelCount = labels.dims[0] ?? 0;
  if (imageCount !== labelCount) {
    throw new FedLedgerError("INVALID_DATASET", "image and label counts differ", {
      details: `${imagesPath} has ${imageCount} samples, ${labelsPath} has ${labelCount} labels`,
    });
  }
  const scaling = normalize ? NORMALIZATION[images.dtype] : null;
  const features = new Float32Array(images.data.length);
  const source = images.data;
  if (scaling === null) {
    for (let i = 0; i < source.length; i++) {
      const value = Math.fround(source[i] ?? 0);
      if (!Number.isFinite(value)) {
        throw new FedLedgerError("INVALID_DATASET", `${imagesPath}: non-finite feature value`, {
          details: `value ${value} at element ${i} (as float32)`,
        });
      }
      features[i] = value;
    }
  } else {
    const { offset, scale } = scaling;
    for (let i = 0; i < source.length; i++) features[i] = ((source[i] ?? 0) + offset) / scale;
  }
  const labelValues = Int32Array.from(labels.data);
  for (let i = 0; i < labelValues.length; i++) {
    if ((labelValues[i] ?? 0) < 0) {
      throw new FedLedgerError("INVALID_DATASET", `${labelsPath}: labels must be non-negative class indices`, {
        details: `label ${i} is ${labelValues[i]}`,
      });
    }
  }
  const parameters = { features, labels: labelValues, featureShape: images.dims.slice(1) };
  return createDataset(numClasses === undefined ? parameters : { ...parameters, numClasses });
}
