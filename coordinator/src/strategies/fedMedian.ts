import { z } from "zod";
import { FedTrimmedAvg } from "./fedTrimmedAvg.ts";
import type { FedAvgOptions } from "./fedAvg.ts";
import { defineStrategy } from "./strategyDefinition.ts";

/**
 * Coordinate-wise median (Yin, Chen, Ramchandran, Bartlett, "Byzantine-Robust Distributed
 * Learning: Towards Optimal Statistical Rates", ICML 2018; Flower's FedMedian): every
 * parameter of the next model is the global plus the median of the n deltas, the mean of
 * the two middle values when n is even. The trimmed mean that keeps only the middle, so
 * the same arithmetic (THE ORDER-STATISTIC ARITHMETIC). Unweighted; rejects no update.
 */
export class FedMedian extends FedTrimmedAvg {
  override readonly name: string = "FedMedian";

  constructor(options: FedAvgOptions) {
    super({ ...options, beta: 0 });
  }

  override keptRanks(n: number): [lo: number, hi: number] {
    return n % 2 === 1 ? [(n - 1) / 2, (n + 1) / 2] : [n / 2 - 1, n / 2 + 1];
  }
}

/** The registry's entry. */
export const fedMedianStrategy = defineStrategy(
  z.strictObject({ name: z.literal("median") }),
  (_, common) => new FedMedian(common),
);
