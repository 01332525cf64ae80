// Public surface of @fedledger/coordinator, for simulations and integrators. Listed
// explicitly: everything else under src/ is internal. Hardhat (deploying, the embedded
// chain) is not part of it: importing this entry never loads Hardhat.

// The coordinator
export { type Coordinator, createCoordinator, type CreateCoordinatorParameters } from "./createCoordinator.ts";
export { startCoordinator } from "./cli/commands/start.ts";
export { preflight, type PreflightParameters } from "./preflight/preflight.ts";
export type { RoundEngineEvents } from "./rounds/roundEngine.ts";

// Config
export {
  type CoordinatorConfig,
  type CoordinatorConfigInput,
  coordinatorConfigSchema,
  modelConfigSchema,
  parseCoordinatorConfig,
  parseModelConfig,
} from "./config/coordinatorConfig.ts";
export { type EvaluationConfig, evaluationConfigSchema, loadEvaluationData } from "./config/evaluationData.ts";
export { parseJsonc } from "./config/parseJsonc.ts";

// Strategies: the registry and the interface a strategy implements
export {
  createStrategy,
  DEFAULT_STRATEGY,
  type InnerStrategyConfig,
  innerStrategyConfigSchema,
  STRATEGIES,
  STRATEGY_NAMES,
  type StrategyConfig,
  strategyConfigSchema,
  type StrategyName,
  strategyProblems,
} from "./strategies/registry.ts";
export type { AggregateFitParameters, AggregateFitResult, EvaluationMetrics, FitFailure, FitResult, Strategy, UpdateSource, UpdateSummary } from "./strategies/Strategy.ts";
export type { StrategyCommon, StrategyDefinition, StrategySettings } from "./strategies/strategyDefinition.ts";

// Scorers: the registry and the interface a scorer implements
export { createScorer, defaultScorerConfig, type ScorerConfig, scorerConfigSchema, type ScorerName, SCORERS } from "./scorers/registry.ts";
export type { ScoreParameters, Scorer, ScorerDefinition, ScorerDependencies } from "./scorers/Scorer.ts";
