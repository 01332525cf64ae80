import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { contributionLedgerAbi } from "@fedledger/client-sdk";
import { institution, startCoordinator, startLedger, tinyLayout } from "../fixtures/coordinatorHarness.ts";
import { constantUpdate, craftSubmission, type RawClient } from "../fixtures/rawClient.ts";
import { joined, recorded } from "../fixtures/federation.ts";
import { admin, highS } from "./liveness.fixtures.ts";

const [alice, bob] = [institution(1), institution(2)];
const ROUNDS = { rounds: 1, minFitClients: 1, minAvailableClients: 2, fitTimeoutMs: 60_000, availabilityTimeoutMs: 15_000 };

async function honest(client: RawClient, inst: typeof alice, value: number) {
  const fit = await client.nextFit(1);
  return craftSubmission({ account: inst.account, session: client.session, fit, layout: tinyLayout, update: constantUpdate(tinyLayout, value), commitment: inst.commitment });
}

// A restart never resumes into a round the ledger cannot take: stored updates are checked
// again, in the ledger's terms, before the round goes on.
describe("resuming after a restart", () => {
  it("an open round whose stored update the ledger would refuse (high-s, from an older coordinator) drops it and records the rest", async () => {
    const ledger = await startLedger({ institutions: [alice, bob] });
    const first = await startCoordinator(ledger, { rounds: ROUNDS });
    const a = await joined(first.url, alice);
    const b = await joined(first.url, bob);
    const stopped = first.coordinator.run();
    expect((await a.submit(await honest(a, alice, 0.01))).ok).toBe(true);
    await b.nextFit(1);
    await first.coordinator.close();
    await stopped;
    for (const c of [a, b]) c.close();

    // A fault this coordinator cannot cause (it refuses high-s before the ack): the row an
    // older coordinator, which did not check the form, would have stored for alice.
    const db = new DatabaseSync(join(first.config.storage.dir, "state.sqlite"));
    const row = db.prepare("SELECT signature FROM updates WHERE round = 1 AND participant = ?").get(alice.account.address) as { signature: `0x${string}` };
    db.prepare("UPDATE updates SET signature = ? WHERE round = 1 AND participant = ?").run(highS(row.signature), alice.account.address);
    db.close();

    const second = await startCoordinator(ledger, { rounds: ROUNDS, storage: { dir: first.config.storage.dir } });
    const b2 = await joined(second.url, bob);
    const run = second.coordinator.run();
    expect((await b2.submit(await honest(b2, bob, -0.02))).ok).toBe(true); // the open round's fit, re-sent to bob
    const [finished] = await run;
    expect([...finished!.scores.keys()]).toEqual([bob.account.address]);
    expect((await recorded(ledger)).participants(1n)).toEqual([bob.account.address]);
    expect(second.coordinator.state.listExcluded(1).map((u) => u.excluded)).toEqual(["INVALID_SIGNATURE"]);
    b2.close();
    await second.coordinator.close();
    await ledger.chain.close();
  });

  it("an aggregated round whose participant was deactivated meanwhile is aggregated again without it, not re-sent", async () => {
    const ledger = await startLedger({ institutions: [alice, bob] });
    const budget = await ledger.publicClient.readContract({ address: ledger.ledger, abi: contributionLedgerAbi, functionName: "roundBudget" });
    await admin(ledger, { functionName: "setRoundBudget", args: [10n ** 30n] });
    const first = await startCoordinator(ledger, { rounds: ROUNDS }, {
      // Stop once the round is aggregated and its record refused (budget not funded).
      events: { onRecordRefused: () => void first.coordinator.close() },
    });
    const a = await joined(first.url, alice);
    const b = await joined(first.url, bob);
    const stopped = first.coordinator.run();
    expect((await a.submit(await honest(a, alice, 0.01))).ok).toBe(true);
    expect((await b.submit(await honest(b, bob, -0.02))).ok).toBe(true);
    await stopped;
    for (const c of [a, b]) c.close();

    await admin(ledger, { functionName: "deactivateParticipant", args: [alice.account.address] });
    await admin(ledger, { functionName: "setRoundBudget", args: [budget] });
    const second = await startCoordinator(ledger, { rounds: ROUNDS, storage: { dir: first.config.storage.dir } });
    expect(second.coordinator.state.getRound(1)?.status).toBe("aggregated");
    const withAlice = second.coordinator.state.getRound(1)?.aggregateModelHash;
    const [finished] = await second.coordinator.run();
    expect([...finished!.scores.keys()]).toEqual([bob.account.address]);
    expect(finished?.aggregateModelHash).not.toBe(withAlice);
    const { rounds, participants } = await recorded(ledger);
    expect(participants(1n)).toEqual([bob.account.address]);
    expect(rounds[0]?.args.aggregateModelHash).toBe(finished?.aggregateModelHash);
    await second.coordinator.close();
    await ledger.chain.close();
  });
});
