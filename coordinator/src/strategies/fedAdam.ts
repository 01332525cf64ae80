import { z } from "zod";
import { assertNoProblems, fedAvgOptionProblems, schemaProblems } from "./fedAvg.ts";
import { FedOpt, type FedOptOptions } from "./fedOpt.ts";
import { defineStrategy } from "./strategyDefinition.ts";

/** Configurable parameters (the registry's `fedadam` entry adds `name`); defaults as Flower's. */
export const fedAdamParameters = z.object({
  /** Server learning rate η. */
  eta: z.number().positive().default(0.1),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.99),
  /** Adaptivity τ (added to √v). */
  tau: z.number().positive().default(1e-9),
});

export type FedAdamOptions = FedOptOptions & z.output<typeof fedAdamParameters>;

/**
 * FedAdam (Reddi et al., "Adaptive Federated Optimization", ICLR 2021, Algorithm 2; no bias
 * correction, as there). Per parameter, in binary64 (JavaScript expressions; m, v are the
 * float32 state, Δ the pseudo-gradient, g the global model):
 *
 *   m' = fround(β1·m + (1 - β1)·Δ)
 *   v' = fround(secondMoment(v, Δ·Δ))        FedAdam: β2·v + (1 - β2)·Δ·Δ
 *   x' = fround(g + η·m' / (√v' + τ))
 */
export class FedAdam extends FedOpt {
  override readonly name: string = "FedAdam";
  readonly eta: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly tau: number;

  constructor(options: FedAdamOptions) {
    const { eta, beta1, beta2, tau } = options;
    assertNoProblems("FedAdam", [...fedAvgOptionProblems(options), ...schemaProblems(fedAdamParameters, { eta, beta1, beta2, tau })]);
    super(options);
    this.eta = eta;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.tau = tau;
  }

  protected stateNames(): readonly string[] {
    return ["m", "v"];
  }

  /** v' before rounding, from v and d2 = Δ·Δ. */
  protected secondMoment(v: number, d2: number): number {
    return this.beta2 * v + (1 - this.beta2) * d2;
  }

  protected step(delta: Float32Array, global: Float32Array, state: Float32Array[], out: Float32Array): void {
    const [m, v] = state as [Float32Array, Float32Array];
    const { beta1, eta, tau } = this;
    const keep = 1 - beta1;
    for (let k = 0; k < out.length; k++) {
      const d = delta[k] as number;
      const mk = Math.fround(beta1 * (m[k] as number) + keep * d);
      const vk = Math.fround(this.secondMoment(v[k] as number, d * d));
      m[k] = mk;
      v[k] = vk;
      out[k] = (global[k] as number) + (eta * mk) / (Math.sqrt(vk) + tau);
    }
  }
}

/** The registry's entry. */
export const fedAdamStrategy = defineStrategy(
  z.strictObject({ name: z.literal("fedadam"), ...fedAdamParameters.shape }),
  ({ eta, beta1, beta2, tau }, common) => new FedAdam({ ...common, eta, beta1, beta2, tau }),
);
