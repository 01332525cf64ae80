import { describe, expect, it } from "vitest";
import { institution, startCoordinator, startLedger, tinyLayout } from "../fixtures/coordinatorHarness.ts";
import { constantUpdate, craftSubmission, type RawClient } from "../fixtures/rawClient.ts";
import { joined, recorded } from "../fixtures/federation.ts";
import { admin } from "./liveness.fixtures.ts";

async function submitConstant(client: RawClient, inst: ReturnType<typeof institution>, round: number, value: number) {
  const fit = await client.nextFit(round);
  return client.submit(await craftSubmission({ account: inst.account, session: client.session, fit, layout: tinyLayout, update: constantUpdate(tinyLayout, value), commitment: inst.commitment }));
}

describe("the round engine never gives up while it runs", () => {
  const [alice, bob, carol] = [institution(1), institution(2), institution(3)];

  it("keeps retrying a round below quorum past maxAttemptsPerRound, and records it once a quorum connects", async () => {
    const ledger = await startLedger({ institutions: [alice, bob] });
    let aborted = 0;
    let bobJoins: () => void = () => {};
    const enough = new Promise<void>((resolve) => (bobJoins = resolve));
    const { coordinator, url } = await startCoordinator(
      ledger,
      { rounds: { rounds: 1, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 15_000, availabilityTimeoutMs: 200, maxAttemptsPerRound: 1, retryBackoffMs: 20 } },
      {
        events: {
          onRoundAborted: () => {
            aborted += 1;
            if (aborted === 3) bobJoins();
          },
        },
      },
    );
    const a = await joined(url, alice);
    const run = coordinator.run();
    await enough; // three aborted attempts, with maxAttemptsPerRound 1: the engine is still running
    const b = await joined(url, bob);
    expect((await submitConstant(a, alice, 1, 0.01)).ok).toBe(true);
    expect((await submitConstant(b, bob, 1, 0.02)).ok).toBe(true);
    const [finished] = await run;
    expect(finished?.round).toBe(1);
    expect(aborted).toBeGreaterThanOrEqual(3);
    expect((await recorded(ledger)).rounds).toHaveLength(1);
    for (const c of [a, b]) c.close();
    await coordinator.close();
    await ledger.chain.close();
  });

  it("re-reads the registry at selection: a participant deactivated while logged in is not selected, and is disconnected", async () => {
    const ledger = await startLedger({ institutions: [alice, bob, carol] });
    // The session watcher polls rarely here, so only the selection-time read can catch carol.
    const { coordinator, url } = await startCoordinator(ledger, {
      server: { port: 0, ackTimeoutMs: 5_000, registryPollIntervalMs: 600_000 },
      rounds: { rounds: 1, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 15_000, availabilityTimeoutMs: 15_000 },
    });
    const [a, b, c] = [await joined(url, alice), await joined(url, bob), await joined(url, carol)];
    await admin(ledger, { functionName: "deactivateParticipant", args: [carol.account.address] });
    const carolClosed = new Promise<string>((resolve) => c.socket.once("disconnect", resolve));
    const run = coordinator.run();
    expect(await carolClosed).toBe("io server disconnect");
    expect((await submitConstant(a, alice, 1, 0.01)).ok).toBe(true);
    expect((await submitConstant(b, bob, 1, 0.02)).ok).toBe(true);
    await run;
    expect(c.fits).toHaveLength(0);
    expect(coordinator.state.getRound(1)?.selected.sort()).toEqual([alice.account.address, bob.account.address].sort());
    expect((await recorded(ledger)).participants(1n).sort()).toEqual([alice.account.address, bob.account.address].sort());
    for (const x of [a, b, c]) x.close();
    await coordinator.close();
    await ledger.chain.close();
  });
});
