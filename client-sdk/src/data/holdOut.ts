import { type Dataset, shuffleDataset, subsetDataset } from "./Dataset.ts";
import { trainTestSplit, type TrainTestSplitOptions } from "./trainTestSplit.ts";

/**
 * The held-out share of `dataset` a coordinator evaluates on: the dataset shuffled with
 * `seed`, then the test indices of trainTestSplit(testFraction, seed), in that order. An
 * auditor rebuilds the same samples in the same order from the same file and options.
 */
export function holdOut(dataset: Dataset, options: TrainTestSplitOptions): Dataset {
  const shuffled = shuffleDataset(dataset, options.seed);
  return subsetDataset(shuffled, trainTestSplit(shuffled.numSamples, options).test);
}
