/**
 * The largest dataset size the ledger can register: 2^48 - 1, its `uint48 datasetSize`.
 *
 * The registered size is the record count the dataset commitment binds (its Merkle leaf
 * count); the ledger refuses any update declaring more samples than it. A JavaScript number
 * holds it exactly, and viem reads and writes a uint48 as a number.
 */
export const MAX_DATASET_SIZE = 2 ** 48 - 1;

/** Whether `value` is a size the ledger registers: an integer in [1, MAX_DATASET_SIZE]. */
export function isValidDatasetSize(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 1 && value <= MAX_DATASET_SIZE;
}
