import { FedLedgerError } from "@fedledger/client-sdk";
import type { Scorer } from "./Scorer.ts";

/**
 * The baseline contribution score: the validated sample count of each accepted update,
 * so the round budget is split in proportion to the data trained on (FedAvg's own
 * weights). Scores are integers in [0, 2^53), well inside the ledger's uint64.
 */
export function createSampleCountScorer(): Scorer {
  return {
    name: "sample-count",
    async score({ results }) {
      return results.map(({ participant, numSamples }) => {
        if (!Number.isSafeInteger(numSamples) || numSamples < 0) {
          throw new FedLedgerError("INTERNAL", "Sample counts must be non-negative integers", {
            details: `${participant}: ${numSamples}`,
          });
        }
        return BigInt(numSamples);
      });
    },
  };
}
