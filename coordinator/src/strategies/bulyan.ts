import { z } from "zod";
import type { AggregateFitParameters, AggregateFitResult } from "./Strategy.ts";
import { closestToMedianMean } from "./aggregate/closestToMedianMean.ts";
import { bulyanSelect } from "./aggregate/krumSelection.ts";
import { assertNoProblems, fedAvgOptionProblems, schemaProblems } from "./fedAvg.ts";
import { Krum, krumParameters, type KrumOptions } from "./krum.ts";
import { defineStrategy } from "./strategyDefinition.ts";

/** Configurable parameters (the registry's `bulyan` entry adds `name`). */
export const bulyanParameters = krumParameters;

/** Bulyan needs n >= 4f + 3 updates; checked against the fewest a round aggregates. */
export function bulyanProblems(p: { f: number; minFitClients: number }): string[] {
  return Number.isInteger(p.f) && p.minFitClients < 4 * p.f + 3
    ? [`f: Bulyan needs minFitClients >= 4f + 3 = ${4 * p.f + 3}, got ${p.minFitClients}`]
    : [];
}

/**
 * Bulyan (El Mhamdi, Guerraoui, Rouault, "The Hidden Vulnerability of Distributed Learning
 * in Byzantium", ICML 2018): θ = n - 2f updates are chosen by running Krum θ times, each
 * time on the updates not yet chosen (the others are rejected); then every coordinate is
 * the mean of the β = θ - 2f chosen values closest to its median (closestToMedianMean.ts).
 * With fewer than 4f + 3 updates θ and β are clamped to at least 1.
 */
export class Bulyan extends Krum {
  override readonly name: string = "Bulyan";

  constructor(options: KrumOptions) {
    assertNoProblems("Bulyan", [...fedAvgOptionProblems(options), ...schemaProblems(bulyanParameters, { f: options.f }), ...bulyanProblems(options)]);
    super(options);
  }

  protected override selectedCount(n: number): number {
    return Math.max(1, n - 2 * this.f);
  }

  protected override rejectionReason(kept: number): string {
    return `bulyan: not among the ${kept} updates chosen by repeated Krum`;
  }

  protected override select(distances: Float64Array, n: number): number[] {
    return bulyanSelect(distances, n, this.f, this.selectedCount(n));
  }

  override async aggregateFit(parameters: AggregateFitParameters): Promise<AggregateFitResult> {
    const results = this.checkAggregateInputs(parameters);
    if (results.length === 0) return { weights: parameters.global.map((layer) => layer.slice()), rejected: [] };
    const chosen = new Set(this.select(await this.distances(results, parameters.source), results.length));
    const kept = results.filter((_, i) => chosen.has(i));
    const flat = await closestToMedianMean({
      ...this.chunking(),
      global: parameters.global,
      hashes: kept.map((r) => r.updateHash),
      source: parameters.source,
      beta: Math.max(1, kept.length - 2 * this.f),
    });
    return { weights: this.toLayers(flat), rejected: this.rejectOthers(results, chosen) };
  }
}

/** The registry's entry. */
export const bulyanStrategy = defineStrategy(
  z.strictObject({ name: z.literal("bulyan"), ...bulyanParameters.shape }),
  ({ f }, common) => new Bulyan({ ...common, f }),
  ({ f }, settings) => bulyanProblems({ f, ...settings }),
);
