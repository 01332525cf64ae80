import type { Hex } from "viem";
import type { Dataset, ModelSpec, ValidationUtility, Weights } from "@fedledger/client-sdk";
import type { z } from "zod";
import type { FitResult, UpdateSource } from "../strategies/Strategy.ts";

export type ScoreParameters = {
  round: number;
  /** The round's base model hash (on-chain): seeds sampled scorers. */
  baseModelHash: Hex;
  /** The round's base model (the global model the updates were trained from). */
  global: Weights;
  aggregate: Weights;
  /** Accepted updates in canonical order (any order gives the same scores). */
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

/**
 * What a scorer may need besides its options: the model and the coordinator's validation
 * data, or the validation utility already built from them (shared with the safety net).
 */
export type ScorerDependencies = { spec: ModelSpec; evaluationData?: Dataset; utility?: ValidationUtility };

type ScorerSchema = z.ZodObject<{ name: z.ZodLiteral<string> } & z.core.$ZodShape, z.core.$ZodObjectConfig>;

/** One registered scorer: its config schema (a `name` literal plus options, defaults filled) and its factory. */
export type ScorerDefinition<Schema extends ScorerSchema = ScorerSchema> = {
  readonly schema: Schema;
  create(options: z.output<Schema>, dependencies: ScorerDependencies): Scorer;
};

/** Ties a scorer's factory to its schema's output type. */
export function defineScorer<const Schema extends ScorerSchema>(
  schema: Schema,
  create: (options: z.output<Schema>, dependencies: ScorerDependencies) => Scorer,
): ScorerDefinition<Schema> {
  return { schema, create };
}
