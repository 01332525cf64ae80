import { SCORERS } from "./registry.ts";
import { runScorerConformance } from "./scorer.conformance.ts";

// Every registered scorer, with its default options.
for (const definition of SCORERS) {
  const options = definition.schema.parse({ name: definition.schema.shape.name.value });
  runScorerConformance(options.name, (dependencies) => definition.create(options as never, dependencies));
}
