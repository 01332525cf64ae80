import type { Logger } from "pino";
import { type Address, custom, type PublicClient } from "viem";
import { createDashboardHandler, createLedgerReader, type DashboardHandler, readDashboardData } from "@fedledger/client-sdk";
import type { StateStore } from "../stores/stateStore.ts";
import { stateRoundDetails } from "../stores/stateRoundDetails.ts";

export type CoordinatorDashboardParameters = {
  /** The coordinator's chain client: the page's data is read from the ledger through it. */
  publicClient: PublicClient;
  ledger: Address;
  /** Round metrics and left-out updates, which the chain does not hold. */
  state: Pick<StateStore, "getRound" | "listExcluded">;
  logger: Logger;
};

/** `/dashboard` on the coordinator's HTTP server: the chain's view of the ledger, with the coordinator's own round details. */
export function createCoordinatorDashboard(p: CoordinatorDashboardParameters): DashboardHandler {
  // The coordinator's client already retries; the reader adds no retries of its own.
  const reader = createLedgerReader({ transport: custom(p.publicClient, { retryCount: 0 }), ledger: p.ledger });
  const details = stateRoundDetails(p.state);
  return createDashboardHandler({
    load: () => readDashboardData(reader, { details }),
    onError: (error) => p.logger.warn({ code: error.code, err: error.message.split("\n", 1)[0] }, "the dashboard's data could not be read"),
  });
}
