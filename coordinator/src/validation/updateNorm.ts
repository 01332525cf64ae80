import type { Weights } from "@fedledger/client-sdk";
import type { UpdateSummary } from "../strategies/Strategy.ts";

/** L2 norm of an update, summed in binary64 in layout order (a deterministic function of the update). */
export function updateNorm(update: Weights): number {
  let sum = 0;
  for (const layer of update) {
    for (let k = 0; k < layer.length; k++) {
      const v = layer[k] as number;
      sum += v * v;
    }
  }
  return Math.sqrt(sum);
}

/** The summary Strategy.checkUpdate judges, of update values in memory. */
export function summarizeUpdate(update: Weights): UpdateSummary {
  return { norm: updateNorm(update), layerSizes: update.map((layer) => layer.length) };
}
