import type { Weights } from "@fedledger/client-sdk";
import type { FitResult, UpdateSource } from "../strategies/Strategy.ts";

export type ScoreParameters = {
  round: number;
  global: Weights;
  aggregate: Weights;
  /** Accepted updates in canonical order. */
  results: readonly FitResult[];
  source: UpdateSource;
};

/**
 * Gives each accepted update a contribution score (a non-negative integer below 2^64,
 * recorded on-chain). The ledger splits the round budget in proportion to the scores.
 */
export interface Scorer {
  readonly name: string;
  /** One score per result, same order. */
  score(parameters: ScoreParameters): Promise<readonly bigint[]>;
}
