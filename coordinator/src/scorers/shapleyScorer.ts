import { z } from "zod";
import { defineScorer } from "./Scorer.ts";
import { createMethodScorer } from "./methodScorer.ts";

/**
 * Monte-Carlo Shapley values with truncation (TMC-Shapley, Ghorbani & Zou, ICML 2019;
 * GTG-Shapley's guided permutations and within-round truncation, Liu et al., ACM TIST
 * 2022): `permutations` seeded from on-chain data, at most `maxEvaluations` sub-model
 * evaluations per round, a permutation stops once its prefix is within
 * `truncationTolerance` × |v(N) − v(∅)| of the full round's utility. Values are clamped
 * at 0. See the SDK's monteCarloShapley and contributionScores for the exact procedure.
 */
export const shapleyScorer = defineScorer(
  z.strictObject({
    name: z.literal("shapley"),
    permutations: z.int().min(1).max(10_000).default(10),
    truncationTolerance: z.number().min(0).lt(1).default(0.01),
    maxEvaluations: z.int().min(2).max(1_000_000).default(100),
  }),
  (options, dependencies) => createMethodScorer(options, dependencies),
);
