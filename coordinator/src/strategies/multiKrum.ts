import { z } from "zod";
import { assertNoProblems, fedAvgOptionProblems, schemaProblems } from "./fedAvg.ts";
import { Krum, krumParameters, krumProblems, type KrumOptions } from "./krum.ts";
import { defineStrategy } from "./strategyDefinition.ts";

/** Configurable parameters (the registry's `multi-krum` entry adds `name`). */
export const multiKrumParameters = krumParameters.extend({
  /** Updates kept; absent: n - f. At most minFitClients - f. */
  m: z.int().min(1).optional(),
});

export type MultiKrumOptions = KrumOptions & { m?: number | undefined };

export function multiKrumProblems(p: { f: number; m?: number | undefined; minFitClients: number }): string[] {
  const problems = krumProblems(p);
  if (p.m !== undefined && Number.isInteger(p.f) && p.m > p.minFitClients - p.f) {
    problems.push(`m: Multi-Krum keeps at most minFitClients - f = ${p.minFitClients - p.f} updates, got ${p.m}`);
  }
  return problems;
}

/**
 * Multi-Krum (Blanchard, El Mhamdi, Guerraoui, Stainer, "Machine Learning with
 * Adversaries: Byzantine Tolerant Gradient Descent", NeurIPS 2017): Krum's scores, but the
 * m best-scored updates are kept and their deltas averaged (unweighted, as in the paper).
 * Of n updates, min(m, max(1, n - f)) are kept, so at least f are always left out when
 * more than f arrive; the rest are rejected.
 */
export class MultiKrum extends Krum {
  override readonly name: string = "MultiKrum";
  readonly m: number | undefined;

  constructor(options: MultiKrumOptions) {
    assertNoProblems("MultiKrum", [
      ...fedAvgOptionProblems(options),
      ...schemaProblems(multiKrumParameters, { f: options.f, m: options.m }),
      ...multiKrumProblems(options),
    ]);
    super(options);
    this.m = options.m;
  }

  protected override selectedCount(n: number): number {
    const most = Math.max(1, n - this.f);
    return Math.min(this.m ?? most, most);
  }

  protected override rejectionReason(kept: number): string {
    return `multi-krum: not among the ${kept} updates with the lowest Krum scores`;
  }
}

/** The registry's entry. */
export const multiKrumStrategy = defineStrategy(
  z.strictObject({ name: z.literal("multi-krum"), ...multiKrumParameters.shape }),
  ({ f, m }, common) => new MultiKrum({ ...common, f, m }),
  ({ f, m }, settings) => multiKrumProblems({ f, m, ...settings }),
);
