import { z } from "zod";
import { FedAdam, fedAdamParameters } from "./fedAdam.ts";
import { defineStrategy } from "./strategyDefinition.ts";

/** Configurable parameters (the registry's `fedyogi` entry adds `name`); defaults as Flower's. */
export const fedYogiParameters = fedAdamParameters.extend({
  eta: z.number().positive().default(0.01),
  tau: z.number().positive().default(1e-3),
});

/**
 * FedYogi (Reddi et al., "Adaptive Federated Optimization", ICLR 2021, Algorithm 2): FedAdam
 * with Yogi's additive second moment (Zaheer et al., NeurIPS 2018), which grows or shrinks
 * v by at most (1 - β2)·Δ² per round:
 *
 *   v' = fround(v - (1 - β2)·Δ·Δ·sign(v - Δ·Δ))
 */
export class FedYogi extends FedAdam {
  override readonly name: string = "FedYogi";

  protected override secondMoment(v: number, d2: number): number {
    return v - (1 - this.beta2) * d2 * Math.sign(v - d2);
  }
}

/** The registry's entry. */
export const fedYogiStrategy = defineStrategy(
  z.strictObject({ name: z.literal("fedyogi"), ...fedYogiParameters.shape }),
  ({ eta, beta1, beta2, tau }, common) => new FedYogi({ ...common, eta, beta1, beta2, tau }),
);
