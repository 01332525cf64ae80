import { describe, expect, it } from "vitest";
import { createDataset, isFedLedgerError, type ModelSpec } from "@fedledger/client-sdk";
import { configProblems } from "../../../test/fixtures/configProblems.ts";
import { parseCoordinatorConfig } from "../config/coordinatorConfig.ts";
import { createScorer, defaultScorerConfig, SCORERS, scorerConfigSchema } from "./registry.ts";

const spec: ModelSpec = { kind: "mlp", inputShape: [2], layers: [{ units: 2, activation: "softmax" }] };
const evaluationData = createDataset({ features: Float32Array.of(1, 0, 0, 1), labels: Int32Array.of(0, 1), featureShape: [2], numClasses: 2 });

function configWith(scorer: unknown) {
  return {
    chain: { rpcUrl: "http://127.0.0.1:8545", ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
    model: { spec },
    training: { epochs: 1, batchSize: 4, learningRate: 0.1 },
    ...(scorer === undefined ? {} : { scorer }),
  };
}

const problemsOf = (input: unknown): string => configProblems(input).join("\n");

describe("scorer registry", () => {
  it("registers samples, leave-one-out and shapley, each with a distinct name", () => {
    expect(SCORERS.map((d) => d.schema.shape.name.value)).toEqual(["samples", "leave-one-out", "shapley"]);
  });

  it("fills the defaults of the named scorer; none named: shapley with evaluation data, else samples", () => {
    expect(parseCoordinatorConfig(configWith(undefined)).scorer).toBeUndefined();
    expect(defaultScorerConfig(true)).toEqual({ name: "shapley", permutations: 10, truncationTolerance: 0.01, maxEvaluations: 100 });
    expect(defaultScorerConfig(false)).toEqual({ name: "samples" });
    expect(parseCoordinatorConfig(configWith({ name: "leave-one-out" })).scorer).toEqual({ name: "leave-one-out" });
    expect(parseCoordinatorConfig(configWith({ name: "shapley" })).scorer).toEqual({
      name: "shapley",
      permutations: 10,
      truncationTolerance: 0.01,
      maxEvaluations: 100,
    });
    expect(scorerConfigSchema.parse({ name: "shapley", permutations: 3, maxEvaluations: 40 })).toEqual({
      name: "shapley",
      permutations: 3,
      truncationTolerance: 0.01,
      maxEvaluations: 40,
    });
  });

  it("refuses an unknown scorer, bad options and options of another scorer (INVALID_CONFIG)", () => {
    expect(problemsOf(configWith({ name: "loudest" }))).toMatch(/^scorer/);
    expect(problemsOf(configWith({ name: "shapley", permutations: 0 }))).toMatch(/^scorer\.permutations/);
    expect(problemsOf(configWith({ name: "shapley", truncationTolerance: 1 }))).toMatch(/^scorer\.truncationTolerance/);
    expect(problemsOf(configWith({ name: "shapley", maxEvaluations: 1.5 }))).toMatch(/^scorer\.maxEvaluations/);
    expect(problemsOf(configWith({ name: "samples", permutations: 10 }))).toMatch(/^scorer/);
  });

  it("builds each scorer by name; value scorers need the evaluation data (INVALID_CONFIG)", () => {
    expect(createScorer({ name: "samples" }, { spec }).name).toBe("samples");
    expect(createScorer({ name: "leave-one-out" }, { spec, evaluationData }).name).toBe("leave-one-out");
    const shapley = scorerConfigSchema.parse({ name: "shapley" });
    expect(createScorer(shapley, { spec, evaluationData }).name).toBe("shapley");
    for (const config of [{ name: "leave-one-out" } as const, shapley]) {
      let caught: unknown;
      try {
        createScorer(config, { spec });
      } catch (error) {
        caught = error;
      }
      expect(isFedLedgerError(caught, "INVALID_CONFIG")).toBe(true);
    }
  });
});
