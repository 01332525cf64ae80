import type { z } from "zod";
import { createStrategy, type StrategyName, strategyConfigSchema, STRATEGY_NAMES } from "./registry.ts";
import { runStrategyConformance } from "./strategy.conformance.ts";

/** One config per registered name (the type makes a new strategy add its example here). */
const EXAMPLES: { [N in StrategyName]: Extract<z.input<typeof strategyConfigSchema>, { name: N }> } = {
  fedavg: { name: "fedavg" },
  median: { name: "median" },
  "trimmed-mean": { name: "trimmed-mean", beta: 0.2 },
  krum: { name: "krum", f: 1 },
  "multi-krum": { name: "multi-krum", f: 1, m: 3 },
  bulyan: { name: "bulyan", f: 1 },
  fedadam: { name: "fedadam" },
  fedyogi: { name: "fedyogi" },
  fedadagrad: { name: "fedadagrad" },
  fedavgm: { name: "fedavgm" },
  clip: { name: "clip", maxNorm: 0.5, inner: { name: "multi-krum", f: 1 } },
};

for (const name of STRATEGY_NAMES) {
  const config = strategyConfigSchema.parse(EXAMPLES[name]);
  runStrategyConformance(name, (setup) => createStrategy(config, { ...setup, fractionFit: 0.5, minFitClients: 7, minAvailableClients: 7 }));
}
