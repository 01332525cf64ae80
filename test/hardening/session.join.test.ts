import { describe, expect, it } from "vitest";
import { runParticipant } from "../../client-sdk/src/client/runParticipant.ts";
import { institution, startCoordinator, startLedger } from "../fixtures/coordinatorHarness.ts";

describe("fedledger join's runtime", () => {
  it("reads its chain id from its own RPC, logs in bound to the URL it dialled, and contributes a round, then returns when the federation finished", async () => {
    const alice = institution(1);
    const ledger = await startLedger({ institutions: [alice] });
    const { coordinator, url } = await startCoordinator(ledger, {
      rounds: { rounds: 1, minFitClients: 1, minAvailableClients: 1, fitTimeoutMs: 30_000, availabilityTimeoutMs: 30_000 },
    });
    const leave = new AbortController();
    const joined = runParticipant({
      coordinatorUrl: url.replace("http://", "ws://"),
      account: alice.account,
      dataset: alice.data,
      rpcUrl: ledger.chain.rpcUrl,
      ledger: ledger.ledger,
      signal: leave.signal,
    });
    expect(await coordinator.run()).toHaveLength(1);
    // The coordinator says the federation finished: the runtime returns by itself.
    expect(await joined).toEqual({ roundsSubmitted: 1, finished: true, lastRound: 1 });
    await coordinator.close();
    await ledger.chain.close();
  });
});
