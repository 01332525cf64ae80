import type { z } from "zod";
import type { Strategy } from "./Strategy.ts";
import type { FedOptOptions } from "./fedOpt.ts";

/**
 * Everything a strategy is built from besides its own parameters: the model, the selection
 * settings, server-side evaluation, and where a server optimizer keeps its state.
 */
export type StrategyCommon = FedOptOptions;

/** Settings a strategy's cross-field rules check its parameters against. */
export type StrategySettings = { readonly minFitClients: number };

type StrategySchema = z.ZodObject<{ name: z.ZodLiteral<string> } & z.core.$ZodShape, z.core.$ZodObjectConfig>;

/**
 * One registered strategy: its config schema (a `name` literal plus parameters, defaults
 * filled), its factory, and its cross-field rules ("path: message" lines, relative to the
 * `strategy` section).
 */
export type StrategyDefinition<Schema extends StrategySchema = StrategySchema> = {
  readonly schema: Schema;
  create(config: z.output<Schema>, common: StrategyCommon): Strategy;
  problems(config: z.output<Schema>, settings: StrategySettings): string[];
};

/** Ties a strategy's factory and rules to its schema's output type. */
export function defineStrategy<const Schema extends StrategySchema>(
  schema: Schema,
  create: (config: z.output<Schema>, common: StrategyCommon) => Strategy,
  problems: (config: z.output<Schema>, settings: StrategySettings) => string[] = () => [],
): StrategyDefinition<Schema> {
  return { schema, create, problems };
}
