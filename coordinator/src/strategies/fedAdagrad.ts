import { z } from "zod";
import { FedAdam, type FedAdamOptions } from "./fedAdam.ts";
import { defineStrategy } from "./strategyDefinition.ts";

/** Configurable parameters (the registry's `fedadagrad` entry adds `name`); defaults as Flower's. */
export const fedAdagradParameters = z.object({
  eta: z.number().positive().default(0.1),
  /** Momentum of the first moment; Flower's FedAdagrad uses 0 (m = Δ). */
  beta1: z.number().min(0).lt(1).default(0),
  tau: z.number().positive().default(1e-9),
});

export type FedAdagradOptions = Omit<FedAdamOptions, "beta2">;

/**
 * FedAdagrad (Reddi et al., "Adaptive Federated Optimization", ICLR 2021, Algorithm 2):
 * FedAdam whose second moment only accumulates:
 *
 *   v' = fround(v + Δ·Δ)
 */
export class FedAdagrad extends FedAdam {
  override readonly name: string = "FedAdagrad";

  constructor(options: FedAdagradOptions) {
    super({ ...options, beta2: 0 });
  }

  protected override secondMoment(v: number, d2: number): number {
    return v + d2;
  }
}

/** The registry's entry. */
export const fedAdagradStrategy = defineStrategy(
  z.strictObject({ name: z.literal("fedadagrad"), ...fedAdagradParameters.shape }),
  ({ eta, beta1, tau }, common) => new FedAdagrad({ ...common, eta, beta1, tau }),
);
