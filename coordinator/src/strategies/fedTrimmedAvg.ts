import { z } from "zod";
import type { AggregateFitParameters, AggregateFitResult } from "./Strategy.ts";
import { keptRanksMean } from "./aggregate/orderStatistics.ts";
import { assertNoProblems, FedAvg, fedAvgOptionProblems, type FedAvgOptions, schemaProblems } from "./fedAvg.ts";
import { defineStrategy } from "./strategyDefinition.ts";

/** Configurable parameters (the registry's `trimmed-mean` entry adds `name`). */
export const fedTrimmedAvgParameters = z.object({
  /** Share of the updates cut at each end of every coordinate, in [0, 0.5). */
  beta: z.number().min(0).lt(0.5).default(0.2),
});

export type FedTrimmedAvgOptions = FedAvgOptions & z.output<typeof fedTrimmedAvgParameters>;

/**
 * Coordinate-wise trimmed mean (Yin, Chen, Ramchandran, Bartlett, "Byzantine-Robust
 * Distributed Learning: Towards Optimal Statistical Rates", ICML 2018; Flower's
 * FedTrimmedAvg): for every parameter, the b = floor(β·n) largest and b smallest of the n
 * deltas are dropped and the rest averaged, unweighted (so a claimed sample count gains no
 * weight), then added to the global model. See THE ORDER-STATISTIC ARITHMETIC. Rejects no
 * update as a whole: every update may supply some coordinates.
 */
export class FedTrimmedAvg extends FedAvg {
  override readonly name: string = "FedTrimmedAvg";
  readonly beta: number;

  constructor(options: FedTrimmedAvgOptions) {
    assertNoProblems("FedTrimmedAvg", [...fedAvgOptionProblems(options), ...schemaProblems(fedTrimmedAvgParameters, { beta: options.beta })]);
    super(options);
    this.beta = options.beta;
  }

  /** The ranks [lo, hi) of n sorted values that are averaged. */
  keptRanks(n: number): [lo: number, hi: number] {
    const b = Math.floor(this.beta * n);
    return [b, n - b];
  }

  override async aggregateFit(parameters: AggregateFitParameters): Promise<AggregateFitResult> {
    const results = this.checkAggregateInputs(parameters);
    if (results.length === 0) return { weights: parameters.global.map((layer) => layer.slice()), rejected: [] };
    const [lo, hi] = this.keptRanks(results.length);
    const flat = await keptRanksMean({
      ...this.chunking(),
      global: parameters.global,
      hashes: results.map((r) => r.updateHash),
      source: parameters.source,
      lo,
      hi,
    });
    return { weights: this.toLayers(flat), rejected: [] };
  }
}

/** The registry's entry. */
export const fedTrimmedAvgStrategy = defineStrategy(
  z.strictObject({ name: z.literal("trimmed-mean"), ...fedTrimmedAvgParameters.shape }),
  ({ beta }, common) => new FedTrimmedAvg({ ...common, beta }),
);
