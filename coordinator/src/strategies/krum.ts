import { z } from "zod";
import type { AggregateFitParameters, AggregateFitResult, FitFailure, FitResult, UpdateSource } from "./Strategy.ts";
import { gramMatrix } from "./aggregate/gramMatrix.ts";
import { multiKrumSelect, squaredDistances } from "./aggregate/krumSelection.ts";
import { weightedDeltaAverage } from "./aggregate/weightedDeltaAverage.ts";
import { assertNoProblems, FedAvg, fedAvgOptionProblems, type FedAvgOptions, schemaProblems } from "./fedAvg.ts";
import { defineStrategy } from "./strategyDefinition.ts";

/** Configurable parameters (the registry's `krum` entry adds `name`). */
export const krumParameters = z.object({
  /** Byzantine updates tolerated: the scores sum distances to the n - f - 2 nearest updates. */
  f: z.int().min(0),
});

export type KrumOptions = FedAvgOptions & z.output<typeof krumParameters>;

/** Krum needs n > 2f + 2 updates; checked against the fewest a round aggregates. */
export function krumProblems(p: { f: number; minFitClients: number }): string[] {
  return Number.isInteger(p.f) && p.minFitClients < 2 * p.f + 3
    ? [`f: Krum needs minFitClients >= 2f + 3 = ${2 * p.f + 3}, got ${p.minFitClients}`]
    : [];
}

/**
 * Krum (Blanchard, El Mhamdi, Guerraoui, Stainer, "Machine Learning with Adversaries:
 * Byzantine Tolerant Gradient Descent", NeurIPS 2017): scores every update by the sum of
 * its squared distances to its n - f - 2 nearest neighbours and keeps the update with the
 * lowest score; the next model is the global plus that delta. The others are rejected.
 * Distances come from the Gram matrix of the deltas, streamed in coordinate chunks (THE
 * GRAM ARITHMETIC in gramMatrix.ts; scores and ties as in krumSelection.ts).
 */
export class Krum extends FedAvg {
  override readonly name: string = "Krum";
  readonly f: number;

  constructor(options: KrumOptions) {
    assertNoProblems("Krum", [...fedAvgOptionProblems(options), ...schemaProblems(krumParameters, { f: options.f }), ...krumProblems(options)]);
    super(options);
    this.f = options.f;
  }

  /** How many of n updates are kept. */
  protected selectedCount(_n: number): number {
    return 1;
  }

  /** Why an update that was not kept was rejected. */
  protected rejectionReason(kept: number): string {
    return kept === 1 ? "krum: not the selected update" : `krum: not among the ${kept} selected updates`;
  }

  /** Squared distances between the deltas, n × n (results in canonical order). */
  protected async distances(results: readonly FitResult[], source: UpdateSource): Promise<Float64Array> {
    const gram = await gramMatrix({ ...this.chunking(), hashes: results.map((r) => r.updateHash), source });
    return squaredDistances(gram, results.length);
  }

  /** Indices (canonical order) of the kept updates. */
  protected select(distances: Float64Array, n: number): number[] {
    return multiKrumSelect(distances, n, this.f, this.selectedCount(n));
  }

  /** Keeps the selected updates and averages their deltas unweighted (each counts once). */
  override async aggregateFit(parameters: AggregateFitParameters): Promise<AggregateFitResult> {
    const results = this.checkAggregateInputs(parameters);
    if (results.length === 0) return { weights: parameters.global.map((layer) => layer.slice()), rejected: [] };
    const chosen = new Set(this.select(await this.distances(results, parameters.source), results.length));
    const kept = results.filter((_, i) => chosen.has(i));
    const flat = await weightedDeltaAverage({
      ...this.chunking(),
      global: parameters.global,
      results: kept.map((r) => ({ updateHash: r.updateHash, numSamples: 1 })),
      source: parameters.source,
    });
    return { weights: this.toLayers(flat), rejected: this.rejectOthers(results, chosen) };
  }

  protected rejectOthers(results: readonly FitResult[], chosen: ReadonlySet<number>): FitFailure[] {
    const reason = this.rejectionReason(chosen.size);
    return results.filter((_, i) => !chosen.has(i)).map((r) => ({ participant: r.participant, reason }));
  }
}

/** The registry's entry. */
export const krumStrategy = defineStrategy(
  z.strictObject({ name: z.literal("krum"), ...krumParameters.shape }),
  ({ f }, common) => new Krum({ ...common, f }),
  ({ f }, settings) => krumProblems({ f, ...settings }),
);
