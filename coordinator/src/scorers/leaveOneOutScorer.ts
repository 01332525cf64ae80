import { z } from "zod";
import { defineScorer } from "./Scorer.ts";
import { createMethodScorer } from "./methodScorer.ts";

/**
 * Leave-one-out (Cook 1977; in FL e.g. Wang et al. 2019): an update's score is how much
 * the validation utility of the round's sub-model drops without it, v(N) − v(N \ {i}),
 * clamped at 0; n + 1 sub-model evaluations. Cheap but blind to redundancy (two similar
 * updates both look dispensable), and two colluders whose updates cancel (+X, −X) each
 * look essential: use `shapley` where that matters.
 */
export const leaveOneOutScorer = defineScorer(z.strictObject({ name: z.literal("leave-one-out") }), (options, dependencies) =>
  createMethodScorer(options, dependencies),
);
