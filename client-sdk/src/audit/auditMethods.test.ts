import { describe, expect, it } from "vitest";
import { createAuditConfig } from "./auditConfig.ts";
import { auditableAggregation, auditableScoring } from "./auditMethods.ts";

describe("auditableAggregation", () => {
  it("re-derives fedavg and clip around fedavg, with the clip's bound", () => {
    expect(auditableAggregation({ name: "fedavg" })).toEqual({ ok: true, value: {} });
    expect(auditableAggregation({ name: "clip", medianMultiple: 1, inner: { name: "fedavg" } })).toEqual({ ok: true, value: { clip: { medianMultiple: 1 } } });
    expect(auditableAggregation({ name: "clip", maxNorm: 2.5, inner: { name: "fedavg" } })).toEqual({ ok: true, value: { clip: { maxNorm: 2.5 } } });
    // As the coordinator's parsed config holds it in memory: the unused bound is there, undefined.
    const parsed = { name: "clip", maxNorm: undefined, medianMultiple: 1, inner: { name: "fedavg" } };
    expect(auditableAggregation(createAuditConfig({ strategy: parsed, scorer: { name: "samples" } }).strategy)).toEqual({ ok: true, value: { clip: { medianMultiple: 1 } } });
  });

  it("refuses what it cannot re-derive instead of guessing: other rules, other inner rules, unknown parameters", () => {
    for (const strategy of [
      { name: "multi-krum", f: 1, m: 2 },
      { name: "median" },
      { name: "clip", medianMultiple: 1, inner: { name: "median" } },
      { name: "clip", medianMultiple: 1, maxNorm: 3, inner: { name: "fedavg" } },
      { name: "fedavg", serverLearningRate: 0.5 },
    ]) {
      const result = auditableAggregation(strategy);
      expect(result.ok, JSON.stringify(strategy)).toBe(false);
      if (!result.ok) expect(result.reason).toContain(`"name":"${strategy.name}"`);
    }
  });
});

describe("auditableScoring", () => {
  it("re-derives samples, leave-one-out and a resolved shapley; refuses others and unresolved parameters", () => {
    expect(auditableScoring({ name: "samples" })).toEqual({ ok: true, value: { name: "samples" } });
    expect(auditableScoring({ name: "leave-one-out" })).toEqual({ ok: true, value: { name: "leave-one-out" } });
    const shapley = { name: "shapley", permutations: 10, truncationTolerance: 0.01, maxEvaluations: 100 };
    expect(auditableScoring(shapley)).toEqual({ ok: true, value: shapley });
    expect(auditableScoring({ name: "shapley" }).ok).toBe(false);
    expect(auditableScoring({ name: "gtg", rounds: 3 }).ok).toBe(false);
  });
});
