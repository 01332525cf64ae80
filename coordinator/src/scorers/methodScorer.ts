import { contributionScores, createValidationUtility, FedLedgerError, type ScoringMethod, type ValidationUtility } from "@fedledger/client-sdk";
import type { Scorer, ScorerDependencies } from "./Scorer.ts";

/**
 * A Scorer that runs the SDK's contributionScores with one scoring method, the code
 * auditors re-run with rederiveScores. Value methods build the validation utility once,
 * from the model spec and the coordinator's evaluation data (INVALID_CONFIG without it).
 */
export function createMethodScorer(method: ScoringMethod, dependencies: Partial<ScorerDependencies> = {}): Scorer {
  let utility: ValidationUtility | undefined;
  if (method.name !== "samples" && dependencies.utility) {
    utility = dependencies.utility;
  } else if (method.name !== "samples") {
    if (!dependencies.evaluationData || !dependencies.spec) {
      throw new FedLedgerError("INVALID_CONFIG", `The ${method.name} scorer needs the coordinator's evaluation data`, {
        details: "configure `evaluation` (or pass evaluationData)",
      });
    }
    utility = createValidationUtility(dependencies.spec, dependencies.evaluationData);
  }
  return {
    name: method.name,
    async score({ baseModelHash, global, results, source }) {
      const { scores } = await contributionScores({
        method,
        baseModelHash,
        updates: results,
        deltas: source,
        ...(utility ? { validation: { global, utility } } : {}),
      });
      return scores;
    },
  };
}
