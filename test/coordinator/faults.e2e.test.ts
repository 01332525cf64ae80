import { describe, expect, it } from "vitest";
import { contributionLedgerAbi } from "@fedledger/client-sdk";
import { constantUpdate, craftSubmission, type RawClient } from "../fixtures/rawClient.ts";
import { institution, type Institution, startCoordinator, startLedger, tinyLayout } from "../fixtures/coordinatorHarness.ts";
import { joined, recorded, startFederation } from "../fixtures/federation.ts";
import { startTcpProxy } from "../fixtures/tcpProxy.ts";

const [alice, bob, carol] = [institution(1), institution(2), institution(3)];

async function submitConstant(client: RawClient, inst: Institution, round: number, value: number, numSamples = 50, fitIndex = 0) {
  await client.nextFit(round);
  const fit = client.fits.filter((f) => f.round === round)[fitIndex] ?? (await client.nextFit(round));
  const s = await craftSubmission({ account: inst.account, session: client.session, fit, layout: tinyLayout, update: constantUpdate(tinyLayout, value), commitment: inst.commitment, numSamples });
  return client.submit(s);
}

describe("rounds under faults", () => {
  it("a client dropping mid-round: the round completes at quorum", async () => {
    const ledger = await startLedger({ institutions: [alice, bob, carol] });
    const { coordinator, url } = await startCoordinator(ledger, {
      rounds: { rounds: 1, minFitClients: 2, minAvailableClients: 3, fitTimeoutMs: 3_000, availabilityTimeoutMs: 15_000 },
    });
    const clients = [await joined(url, alice), await joined(url, bob), await joined(url, carol)];
    const run = coordinator.run();
    await clients[2]!.nextFit(1);
    clients[2]!.close(); // carol drops after receiving the round
    expect((await submitConstant(clients[0]!, alice, 1, 0.01)).ok).toBe(true);
    expect((await submitConstant(clients[1]!, bob, 1, 0.02)).ok).toBe(true);
    const [finished] = await run;
    expect(finished?.scores.size).toBe(2);
    const { rounds, updates } = await recorded(ledger);
    expect(rounds).toHaveLength(1);
    expect(updates.map((u) => u.args.participant).sort()).toEqual([alice.account.address, bob.account.address].sort());
    clients.forEach((c) => c.close());
    await coordinator.close();
    await ledger.chain.close();
  });

  it("below quorum: the attempt aborts cleanly (nothing recorded) and the round is retried", async () => {
    const ledger = await startLedger({ institutions: [alice, bob] });
    const aborted: number[] = [];
    const { coordinator, url } = await startCoordinator(
      ledger,
      { rounds: { rounds: 1, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 2_000, availabilityTimeoutMs: 15_000, maxAttemptsPerRound: 2 } },
      { events: { onRoundAborted: (round) => aborted.push(round) } },
    );
    const [a, b] = [await joined(url, alice), await joined(url, bob)];
    const run = coordinator.run();
    expect((await submitConstant(a, alice, 1, 0.01)).ok).toBe(true);
    const end = await a.roundEnd(1);
    expect(end).toMatchObject({ round: 1, status: "aborted", accepted: 1 });
    expect(aborted).toEqual([1]);
    expect(await ledger.publicClient.readContract({ address: ledger.ledger, abi: contributionLedgerAbi, functionName: "latestRound" })).toBe(0n);
    // Second attempt: both submit; the round is recorded once, with both.
    while (a.fits.length < 2 || b.fits.length < 2) await new Promise((r) => setTimeout(r, 50));
    expect((await submitConstant(a, alice, 1, 0.01, 50, 1)).ok).toBe(true);
    expect((await submitConstant(b, bob, 1, 0.02, 60, 1)).ok).toBe(true);
    await run;
    const { rounds, updates } = await recorded(ledger);
    expect(rounds).toHaveLength(1);
    expect(updates.map((u) => u.args.numSamples).sort()).toEqual([50n, 60n]);
    [a, b].forEach((c) => c.close());
    await coordinator.close();
    await ledger.chain.close();
  });

  it("late: an update for a finished round is refused while the next round runs", async () => {
    const ledger = await startLedger({ institutions: [alice] });
    const { coordinator, url } = await startCoordinator(ledger, {
      rounds: { rounds: 2, minFitClients: 1, minAvailableClients: 1, fitTimeoutMs: 15_000, availabilityTimeoutMs: 15_000 },
    });
    const a = await joined(url, alice);
    const run = coordinator.run();
    const fit1 = await a.nextFit(1);
    const round1 = await craftSubmission({ account: alice.account, session: a.session, fit: fit1, layout: tinyLayout, update: constantUpdate(tinyLayout, 0.01), commitment: alice.commitment });
    expect((await a.submit(round1)).ok).toBe(true);
    await a.nextFit(2);
    const late = await craftSubmission({ account: alice.account, session: a.session, fit: fit1, layout: tinyLayout, update: constantUpdate(tinyLayout, 0.03), commitment: alice.commitment });
    const ack = await a.submit(late);
    expect(ack.ok ? "ok" : ack.error.code).toBe("LATE_SUBMISSION");
    expect((await submitConstant(a, alice, 2, 0.02)).ok).toBe(true);
    await run;
    expect((await recorded(ledger)).rounds).toHaveLength(2);
    a.close();
    await coordinator.close();
    await ledger.chain.close();
  });

  it("the RPC endpoint unavailable at the end of a round: retried, recorded exactly once", async () => {
    const ledger = await startLedger({ institutions: [alice, bob] });
    const proxy = await startTcpProxy(Number(new URL(ledger.chain.rpcUrl).port));
    const { coordinator, url } = await startCoordinator(
      ledger,
      { rounds: { rounds: 1, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 15_000, availabilityTimeoutMs: 15_000 } },
      { rpcUrl: proxy.url },
    );
    const [a, b] = [await joined(url, alice), await joined(url, bob)];
    const run = coordinator.run();
    await a.nextFit(1);
    await b.nextFit(1);
    await new Promise((r) => setTimeout(r, 200)); // commitments prefetched at round start
    await proxy.stop();
    expect((await submitConstant(a, alice, 1, 0.01)).ok).toBe(true);
    expect((await submitConstant(b, bob, 1, 0.02)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 1_500)); // the coordinator is retrying against a dead endpoint
    // Read the real endpoint, behind the proxy: nothing recorded during the outage.
    expect(await ledger.publicClient.readContract({ address: ledger.ledger, abi: contributionLedgerAbi, functionName: "latestRound" })).toBe(0n);
    expect(coordinator.state.getRound(1)?.status).not.toBe("recorded");
    await proxy.start();
    await run;
    const { rounds } = await recorded(ledger);
    expect(rounds).toHaveLength(1);
    expect(coordinator.state.getRound(1)?.status).toBe("recorded");
    [a, b].forEach((c) => c.close());
    await coordinator.close();
    await proxy.stop();
    await ledger.chain.close();
  });

  it("determinism: the same updates in two arrival orders give the bit-identical aggregate hash", async () => {
    const hashes: string[] = [];
    for (const order of [[alice, bob, carol], [carol, bob, alice]]) {
      const ledger = await startLedger({ institutions: [alice, bob, carol] });
      const { coordinator, url } = await startCoordinator(ledger, {
        rounds: { rounds: 1, minFitClients: 3, minAvailableClients: 3, fitTimeoutMs: 15_000, availabilityTimeoutMs: 15_000 },
      });
      const clients = new Map<Institution, RawClient>();
      for (const inst of [alice, bob, carol]) clients.set(inst, await joined(url, inst));
      const run = coordinator.run();
      const values = new Map([[alice, [0.013, 40]], [bob, [-0.027, 90]], [carol, [0.0071, 77]]] as const);
      for (const inst of order) {
        const [value, samples] = values.get(inst)!;
        expect((await submitConstant(clients.get(inst)!, inst, 1, value, samples)).ok).toBe(true);
      }
      const [finished] = await run;
      hashes.push(finished!.aggregateModelHash);
      const { rounds } = await recorded(ledger);
      expect(rounds[0]?.args.aggregateModelHash).toBe(finished!.aggregateModelHash);
      clients.forEach((c) => c.close());
      await coordinator.close();
      await ledger.chain.close();
    }
    expect(hashes[0]).toBe(hashes[1]);
  });
});

describe("a participant deactivated after its update was acknowledged", () => {
  it("is left out of the round, which is still recorded (the ledger would refuse the whole round otherwise)", async () => {
    const federation = await startFederation({
      institutions: [alice, bob],
      join: [alice, bob],
      overrides: { rounds: { rounds: 1, minFitClients: 1, minAvailableClients: 2, fitTimeoutMs: 15_000, availabilityTimeoutMs: 15_000 } },
    });
    const { ledger, coordinator, clients: [a, b] } = federation;
    const run = coordinator.run();
    expect((await submitConstant(a, alice, 1, 0.01)).ok).toBe(true);
    await b.nextFit(1);
    // The registrar deactivates alice while the round is still collecting.
    await ledger.publicClient.waitForTransactionReceipt({
      hash: await ledger.wallet.writeContract({ address: ledger.ledger, abi: contributionLedgerAbi, functionName: "deactivateParticipant", args: [alice.account.address] }),
    });
    expect((await submitConstant(b, bob, 1, 0.02, 70)).ok).toBe(true);
    const [finished] = await run;
    expect([...finished!.scores.keys()]).toEqual([bob.account.address]);
    const { rounds, updates } = await recorded(ledger);
    expect(rounds).toHaveLength(1);
    expect(updates.map((u) => u.args.participant)).toEqual([bob.account.address]);
    await federation.close();
  });
});
