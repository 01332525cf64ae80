import { z } from "zod";
import { FedLedgerError } from "@fedledger/client-sdk";
import type { Strategy } from "./Strategy.ts";
import { bulyanStrategy } from "./bulyan.ts";
import { fedAdagradStrategy } from "./fedAdagrad.ts";
import { fedAdamStrategy } from "./fedAdam.ts";
import { fedAvgStrategy } from "./fedAvg.ts";
import { fedAvgMStrategy } from "./fedAvgM.ts";
import { fedMedianStrategy } from "./fedMedian.ts";
import { fedTrimmedAvgStrategy } from "./fedTrimmedAvg.ts";
import { fedYogiStrategy } from "./fedYogi.ts";
import { krumStrategy } from "./krum.ts";
import { multiKrumStrategy } from "./multiKrum.ts";
import { clipBoundProblem, NormClipping, type NormClippingBound, normClippingParameters } from "./normClipping.ts";
import { defineStrategy, type StrategyCommon, type StrategyDefinition, type StrategySettings } from "./strategyDefinition.ts";

/** Every aggregation rule config can name, one line each. */
export const STRATEGIES = [
  fedAvgStrategy,
  fedMedianStrategy,
  fedTrimmedAvgStrategy,
  krumStrategy,
  multiKrumStrategy,
  bulyanStrategy,
  fedAdamStrategy,
  fedYogiStrategy,
  fedAdagradStrategy,
  fedAvgMStrategy,
] as const;

type SchemaOf<D> = D extends StrategyDefinition<infer Schema> ? Schema : never;

function schemasOf<const T extends readonly [StrategyDefinition, ...StrategyDefinition[]]>(definitions: T): { [K in keyof T]: SchemaOf<T[K]> } {
  return definitions.map((definition) => definition.schema) as { [K in keyof T]: SchemaOf<T[K]> };
}

/** An aggregation rule (what the `clip` wrapper wraps). */
export const innerStrategyConfigSchema = z.discriminatedUnion("name", schemasOf(STRATEGIES));
export type InnerStrategyConfig = z.output<typeof innerStrategyConfigSchema>;

function definitionOf(name: string): StrategyDefinition {
  const found = STRATEGIES.find((candidate) => candidate.schema.shape.name.value === name) as StrategyDefinition | undefined;
  if (!found) throw new FedLedgerError("INVALID_CONFIG", "Unknown strategy", { details: name });
  return found;
}

/** The wrapper: server-side norm clipping around any registered rule. */
export const normClippingStrategy = defineStrategy(
  z.strictObject({ name: z.literal("clip"), ...normClippingParameters.shape, inner: innerStrategyConfigSchema }).refine((c) => !clipBoundProblem(c), {
    message: "give exactly one of maxNorm and medianMultiple",
  }),
  ({ maxNorm, medianMultiple, inner }, common) =>
    new NormClipping({ ...((maxNorm === undefined ? { medianMultiple } : { maxNorm }) as NormClippingBound), inner: definitionOf(inner.name).create(inner, common) }),
  ({ inner }, settings) => definitionOf(inner.name).problems(inner, settings).map((problem) => `inner.${problem}`),
);

/**
 * The `strategy` section of the coordinator config: a discriminated union on `name`, e.g.
 * `{ "name": "multi-krum", "f": 2, "m": 6 }` or
 * `{ "name": "clip", "maxNorm": 5, "inner": { "name": "median" } }` or
 * `{ "name": "clip", "medianMultiple": 1, "inner": { "name": "fedavg" } }`.
 */
export const strategyConfigSchema = z.discriminatedUnion("name", [...innerStrategyConfigSchema.options, normClippingStrategy.schema]);
export type StrategyConfig = z.output<typeof strategyConfigSchema>;

/**
 * The default: FedAvg over deltas clipped to the round's median norm. With the safety net
 * (copies, replays and updates without a validated gain left out) it is the combination
 * the attack matrix supports (see the README's attack table): clipping takes the leverage
 * out of scaled updates, which a per-update check cannot refuse (a scaled honest step
 * still helps), while FedAvg keeps every honest update, which Krum-style selection does not.
 */
export const DEFAULT_STRATEGY = { name: "clip", medianMultiple: 1, inner: { name: "fedavg" } } as const satisfies z.input<typeof strategyConfigSchema>;
export type StrategyName = StrategyConfig["name"];

/** Every name the `strategy` section accepts. */
export const STRATEGY_NAMES: readonly StrategyName[] = strategyConfigSchema.options.map((schema) => schema.shape.name.value);

function anyDefinitionOf(name: string): StrategyDefinition {
  return name === normClippingStrategy.schema.shape.name.value ? (normClippingStrategy as unknown as StrategyDefinition) : definitionOf(name);
}

/**
 * Cross-field problems of a parsed strategy config against the round settings (e.g. Krum
 * needs minFitClients >= 2f + 3), as "path: message" lines relative to the section.
 */
export function strategyProblems(config: StrategyConfig, settings: StrategySettings): string[] {
  return anyDefinitionOf(config.name).problems(config, settings);
}

/** Builds the strategy a validated config names; throws INVALID_CONFIG listing every problem. */
export function createStrategy(config: StrategyConfig, common: StrategyCommon): Strategy {
  return anyDefinitionOf(config.name).create(config, common);
}
