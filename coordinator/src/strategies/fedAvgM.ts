import { z } from "zod";
import { assertNoProblems, fedAvgOptionProblems, schemaProblems } from "./fedAvg.ts";
import { FedOpt, type FedOptOptions } from "./fedOpt.ts";
import { defineStrategy } from "./strategyDefinition.ts";

/** Configurable parameters (the registry's `fedavgm` entry adds `name`). */
export const fedAvgMParameters = z.object({
  /** Server learning rate η. */
  eta: z.number().positive().default(1),
  /** Server momentum μ. */
  momentum: z.number().min(0).lt(1).default(0.9),
});

export type FedAvgMOptions = FedOptOptions & z.output<typeof fedAvgMParameters>;

/**
 * FedAvgM: FedAvg with server momentum (Hsu, Qi, Brown, "Measuring the Effects of
 * Non-Identical Data Distribution for Federated Visual Classification", 2019; Flower's
 * FedAvgM). Per parameter, in binary64 (u is the float32 momentum, Δ the pseudo-gradient):
 *
 *   u' = fround(μ·u + Δ)
 *   x' = fround(g + η·u')
 */
export class FedAvgM extends FedOpt {
  override readonly name: string = "FedAvgM";
  readonly eta: number;
  readonly momentum: number;

  constructor(options: FedAvgMOptions) {
    const { eta, momentum } = options;
    assertNoProblems("FedAvgM", [...fedAvgOptionProblems(options), ...schemaProblems(fedAvgMParameters, { eta, momentum })]);
    super(options);
    this.eta = eta;
    this.momentum = momentum;
  }

  protected stateNames(): readonly string[] {
    return ["momentum"];
  }

  protected step(delta: Float32Array, global: Float32Array, state: Float32Array[], out: Float32Array): void {
    const u = state[0] as Float32Array;
    const { eta, momentum } = this;
    for (let k = 0; k < out.length; k++) {
      const uk = Math.fround(momentum * (u[k] as number) + (delta[k] as number));
      u[k] = uk;
      out[k] = (global[k] as number) + eta * uk;
    }
  }
}

/** The registry's entry. */
export const fedAvgMStrategy = defineStrategy(
  z.strictObject({ name: z.literal("fedavgm"), ...fedAvgMParameters.shape }),
  ({ eta, momentum }, common) => new FedAvgM({ ...common, eta, momentum }),
);
