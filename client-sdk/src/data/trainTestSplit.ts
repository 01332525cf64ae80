import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { seededPermutation } from "./seededRandom.ts";

export type TrainTestSplitOptions = {
  /** Share of samples in the test set, in [0, 1]; the test size is round(numSamples * testFraction). */
  testFraction: number;
  seed: number;
};

/**
 * Splits sample indices 0..numSamples-1 into disjoint train and test sets that together
 * cover every index once. The test set is the first round(numSamples * testFraction)
 * indices of the seeded permutation ({@link seededPermutation}); both lists are returned
 * sorted ascending. Throws INVALID_CONFIG for a bad count, fraction or seed.
 */
export function trainTestSplit(numSamples: number, { testFraction, seed }: TrainTestSplitOptions): { train: number[]; test: number[] } {
  if (!(Number.isFinite(testFraction) && testFraction >= 0 && testFraction <= 1)) {
    throw new FedLedgerError("INVALID_CONFIG", "testFraction must be a number in [0, 1]", {
      details: `got ${String(testFraction)}`,
    });
  }
  const order = seededPermutation(numSamples, seed);
  const testSize = Math.round(numSamples * testFraction);
  const ascending = (a: number, b: number): number => a - b;
  return { train: order.slice(testSize).sort(ascending), test: order.slice(0, testSize).sort(ascending) };
}
