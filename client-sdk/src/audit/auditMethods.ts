import { z } from "zod";
import type { NamedConfig } from "./auditConfig.ts";
import type { ScoringMethod } from "./contributionScores.ts";
import type { ClipBound } from "./rederiveAggregate.ts";

/** What an auditor can re-derive, or why not. */
export type Auditable<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const fedAvgSchema = z.strictObject({ name: z.literal("fedavg") });
const clippedFedAvgSchema = z.union([
  z.strictObject({ name: z.literal("clip"), maxNorm: z.number().positive(), inner: fedAvgSchema }),
  z.strictObject({ name: z.literal("clip"), medianMultiple: z.number().min(1), inner: fedAvgSchema }),
]);

/** The scorers contributionScores implements, with every parameter resolved. */
const scoringMethodSchema = z.discriminatedUnion("name", [
  z.strictObject({ name: z.literal("samples") }),
  z.strictObject({ name: z.literal("leave-one-out") }),
  z.strictObject({ name: z.literal("shapley"), permutations: z.int().min(1), truncationTolerance: z.number().min(0).lt(1), maxEvaluations: z.int().min(2) }),
]);

/**
 * The aggregation rederiveAggregate re-derives for a coordinator's resolved `strategy`:
 * FedAvg, or FedAvg over deltas clipped at a fixed or median-relative bound (the default).
 * Any other rule (the robust strategies select, trim or take medians) is not auditable yet.
 */
export function auditableAggregation(strategy: NamedConfig): Auditable<{ clip?: ClipBound }> {
  if (fedAvgSchema.safeParse(strategy).success) return { ok: true, value: {} };
  const clipped = clippedFedAvgSchema.safeParse(strategy);
  if (clipped.success) {
    const bound = clipped.data;
    return { ok: true, value: { clip: "maxNorm" in bound ? { maxNorm: bound.maxNorm } : { medianMultiple: bound.medianMultiple } } };
  }
  return { ok: false, reason: `the strategy ${describe(strategy)} cannot be re-derived (the audit covers fedavg and clip around fedavg)` };
}

/** The scoring method rederiveScores re-derives for a coordinator's resolved `scorer`. */
export function auditableScoring(scorer: NamedConfig): Auditable<ScoringMethod> {
  const parsed = scoringMethodSchema.safeParse(scorer);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, reason: `the scorer ${describe(scorer)} cannot be re-derived (the audit covers samples, leave-one-out and shapley)` };
}

function describe(config: NamedConfig): string {
  const text = JSON.stringify(config);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
