import type { RoundDetails, RoundDetailsSource } from "@fedledger/client-sdk";
import type { StateStore } from "./stateStore.ts";

/**
 * The dashboard's round details from the coordinator's state database: for each round it
 * recorded, the evaluation of the aggregate and the acknowledged updates it left out, with
 * their reason codes.
 */
export function stateRoundDetails(state: Pick<StateStore, "getRound" | "listExcluded">): RoundDetailsSource {
  return {
    description: "coordinator state",
    read: async (rounds) => {
      const found = new Map<number, RoundDetails>();
      for (const round of rounds) {
        const row = state.getRound(round);
        if (row?.status !== "recorded") continue;
        found.set(round, {
          aggregateModelHash: row.aggregateModelHash,
          metrics: row.metrics,
          refusals: state.listExcluded(round).map((u) => ({ participant: u.participant, reason: u.excluded ?? "" })),
        });
      }
      return found;
    },
  };
}
