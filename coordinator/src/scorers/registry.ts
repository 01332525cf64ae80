import { z } from "zod";
import { FedLedgerError } from "@fedledger/client-sdk";
import { leaveOneOutScorer } from "./leaveOneOutScorer.ts";
import { samplesScorer } from "./sampleCountScorer.ts";
import type { Scorer, ScorerDefinition, ScorerDependencies } from "./Scorer.ts";
import { shapleyScorer } from "./shapleyScorer.ts";

/** Every scorer config can name, one line each. */
export const SCORERS = [samplesScorer, leaveOneOutScorer, shapleyScorer] as const;

type SchemaOf<D> = D extends ScorerDefinition<infer Schema> ? Schema : never;

function schemasOf<const T extends readonly [ScorerDefinition, ...ScorerDefinition[]]>(definitions: T): { [K in keyof T]: SchemaOf<T[K]> } {
  return definitions.map((definition) => definition.schema) as { [K in keyof T]: SchemaOf<T[K]> };
}

/** The `scorer` section of the coordinator config: a discriminated union on `name`. */
export const scorerConfigSchema = z.discriminatedUnion("name", schemasOf(SCORERS));

export type ScorerConfig = z.output<typeof scorerConfigSchema>;
export type ScorerName = ScorerConfig["name"];

/**
 * The scorer when config names none: `shapley` (its defaults) when the coordinator has
 * evaluation data, which value scores need; else `samples`, the registered-size-bounded
 * baseline. The attack matrix shows why (README): paid by declared samples, free riders
 * and Byzantine participants collect their share; paid by measured value, they do not.
 */
export function defaultScorerConfig(hasEvaluationData: boolean): ScorerConfig {
  return scorerConfigSchema.parse({ name: hasEvaluationData ? "shapley" : "samples" });
}

/** Builds the scorer a validated config names; INVALID_CONFIG if it lacks what it needs. */
export function createScorer(config: ScorerConfig, dependencies: ScorerDependencies): Scorer {
  const definition = SCORERS.find((candidate) => candidate.schema.shape.name.value === config.name) as ScorerDefinition | undefined;
  if (!definition) throw new FedLedgerError("INVALID_CONFIG", "Unknown scorer", { details: config.name });
  return definition.create(config, dependencies);
}
