import { z } from "zod";
import { defineScorer, type Scorer } from "./Scorer.ts";
import { createMethodScorer } from "./methodScorer.ts";

/**
 * The baseline contribution score: the validated sample count of each accepted update,
 * so the round budget is split in proportion to the data trained on (FedAvg's own
 * weights). An all-zero update scores 0, and identical updates share one count.
 * Scores are integers in [0, 2^53), well inside the ledger's uint64.
 */
export function createSampleCountScorer(): Scorer {
  return createMethodScorer({ name: "samples" });
}

export const samplesScorer = defineScorer(z.strictObject({ name: z.literal("samples") }), () => createSampleCountScorer());
