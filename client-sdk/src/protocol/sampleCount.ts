/**
 * The largest sample count one update may declare: 2^32 - 1.
 *
 * One bound for the message schema, the aggregator and the scorer. It sits far inside the
 * ledger's uint64, and the sum over a round stays an exact binary64 integer (below 2^53)
 * for up to 2^21 updates, so FedAvg's total N and the sample-count scores never round.
 */
export const MAX_NUM_SAMPLES = 0xffff_ffff;

/** Whether `value` is a sample count an update may declare: an integer in [1, MAX_NUM_SAMPLES]. */
export function isValidSampleCount(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_NUM_SAMPLES;
}
