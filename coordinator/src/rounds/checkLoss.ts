import { isFedLedgerError, type Weights } from "@fedledger/client-sdk";
import type { EvaluationMetrics, Strategy } from "../strategies/Strategy.ts";

/** The strategy's server-side evaluation; a model refused for non-finite values has a NaN loss. */
export async function evaluateModel(strategy: Strategy, round: number, weights: Weights): Promise<EvaluationMetrics | undefined> {
  try {
    return await strategy.evaluate(round, weights);
  } catch (error) {
    if (isFedLedgerError(error, "NON_FINITE")) return { loss: Number.NaN, accuracy: Number.NaN, numSamples: 0 };
    throw error;
  }
}

/**
 * Why a candidate aggregate must not be recorded, judged on the coordinator's evaluation
 * data: its loss is not finite, or it exceeds the previous model's loss by more than
 * `maxLossIncrease` (a fraction: 1 allows the loss to double). Undefined when it passes,
 * or when there is nothing to judge by (no evaluation data, no finite previous loss).
 */
export function lossProblem(
  evaluation: EvaluationMetrics | undefined,
  previousLoss: number | undefined,
  maxLossIncrease: number | null,
): string | undefined {
  if (!evaluation) return undefined;
  if (!Number.isFinite(evaluation.loss)) return `the aggregate's loss is ${evaluation.loss}`;
  if (maxLossIncrease === null || previousLoss === undefined || !Number.isFinite(previousLoss)) return undefined;
  const limit = previousLoss * (1 + maxLossIncrease);
  if (evaluation.loss > limit) {
    return `the aggregate's loss ${evaluation.loss.toPrecision(6)} exceeds the previous model's ${previousLoss.toPrecision(6)} by more than ${maxLossIncrease * 100}%`;
  }
  return undefined;
}
