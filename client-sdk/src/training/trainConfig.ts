import { z } from "zod";
import { FedLedgerError } from "../errors/FedLedgerError.ts";

/**
 * Per-round local-training hyperparameters a coordinator sends.
 *
 * - `proximalMu`: FedProx μ; the local objective is crossentropy + (μ/2)·Σ‖w − w_global‖².
 *   0 (the default) is plain FedAvg local SGD.
 * - `momentum`: SGD momentum (PyTorch's convention: v = m·v + g, w −= lr·v); 0 is plain SGD.
 *   Only with `optimizer: "sgd"`.
 * - `weightDecay`: L2 decay added to every trainable weight's gradient (g += wd·w), as
 *   PyTorch's SGD `weight_decay`.
 * - `evaluateFraction`: if set, that fraction of the local samples is held out (never
 *   trained on) and reported as `evalLoss` / `evalAccuracy`.
 * - `seed`: drives the hold-out split and the per-epoch shuffles, so a round is
 *   reproducible for given data and weights.
 */
export const trainConfigSchema = z.strictObject({
  epochs: z.int().min(1).max(1000),
  batchSize: z.int().min(1).max(65_536),
  learningRate: z.number().positive().max(10),
  optimizer: z.enum(["sgd", "adam"]).default("sgd"),
  momentum: z.number().min(0).lt(1).default(0),
  weightDecay: z.number().min(0).max(1).default(0),
  proximalMu: z.number().min(0).max(1000).default(0),
  evaluateFraction: z.number().gt(0).max(0.5).optional(),
  seed: z.int().min(0).max(0xffff_ffff).default(0),
});

/** The config as written (defaults optional). */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
/** The config after validation, defaults applied. */
export type TrainConfig = z.output<typeof trainConfigSchema>;

/** Validates an untrusted config (e.g. from the wire); throws INVALID_CONFIG. */
export function parseTrainConfig(input: unknown): TrainConfig {
  const result = trainConfigSchema.safeParse(input);
  if (!result.success) {
    throw new FedLedgerError("INVALID_CONFIG", "Invalid training config", {
      details: z.prettifyError(result.error),
      cause: result.error,
    });
  }
  // Not a schema refinement: the coordinator's config derives from this schema with .omit().
  if (result.data.optimizer !== "sgd" && result.data.momentum !== 0) {
    throw new FedLedgerError("INVALID_CONFIG", "Invalid training config", {
      details: "momentum applies to the sgd optimizer only",
    });
  }
  return result.data;
}
