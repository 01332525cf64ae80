import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { contributionLedgerAbi, readStoredStatement, STORE_EVENT_LOG_FILE, verifyEventLog, verifyStatementEnvelope } from "@fedledger/client-sdk";
import type { LedgerRefusal } from "../../coordinator/src/ledger/ledgerRefusal.ts";
import { institution, type LedgerHandle, startCoordinator, startLedger, tinyLayout } from "../fixtures/coordinatorHarness.ts";
import { constantUpdate, craftSubmission, type RawClient } from "../fixtures/rawClient.ts";
import { joined, recorded } from "../fixtures/federation.ts";
import { admin } from "./liveness.fixtures.ts";

const [alice, bob] = [institution(1), institution(2)];
const ROUNDS = { rounds: 1, minFitClients: 1, minAvailableClients: 2, fitTimeoutMs: 15_000, availabilityTimeoutMs: 15_000 };

async function submitConstant(client: RawClient, inst: typeof alice, value: number) {
  const fit = await client.nextFit(1);
  const ack = await client.submit(await craftSubmission({ account: inst.account, session: client.session, fit, layout: tinyLayout, update: constantUpdate(tinyLayout, value), commitment: inst.commitment }));
  if (!ack.ok) throw new Error(ack.error.code);
}

const readBudget = (ledger: LedgerHandle) => ledger.publicClient.readContract({ address: ledger.ledger, abi: contributionLedgerAbi, functionName: "roundBudget" });

/**
 * A real per-update refusal, caused on the real chain: the ledger first refuses the whole
 * round (its budget exceeds the funded tokens), and while the coordinator waits that out,
 * the registrar deactivates alice after her update passed every check. The next send is
 * refused with LedgerSignerNotActive(index of alice).
 */
async function refuseAliceAtTheLedger(ledger: LedgerHandle, onRefusal: (refusal: LedgerRefusal) => void) {
  const budget = await readBudget(ledger);
  await admin(ledger, { functionName: "setRoundBudget", args: [10n ** 30n] });
  let handled = false;
  return (_round: number, refusal: LedgerRefusal) => {
    onRefusal(refusal);
    if (refusal.errorName !== "LedgerBudgetNotFunded" || handled) return;
    handled = true;
    void (async () => {
      await admin(ledger, { functionName: "deactivateParticipant", args: [alice.account.address] });
      await admin(ledger, { functionName: "setRoundBudget", args: [budget] });
    })();
  };
}

describe("the ledger refuses a record", () => {
  it("while paused: the coordinator waits it out with backoff (no crash, no halt) and records after unpause", async () => {
    const ledger = await startLedger({ institutions: [alice, bob] });
    await admin(ledger, { functionName: "pause" });
    const refusals: string[] = [];
    const { coordinator, url } = await startCoordinator(ledger, { rounds: ROUNDS }, {
      events: {
        onRecordRefused: (_round, refusal) => {
          refusals.push(refusal.errorName);
          if (refusals.length === 2) void admin(ledger, { functionName: "unpause" });
        },
      },
    });
    const [a, b] = [await joined(url, alice), await joined(url, bob)];
    const run = coordinator.run();
    await submitConstant(a, alice, 0.01);
    await submitConstant(b, bob, 0.02);
    const [finished] = await run;
    expect(refusals.slice(0, 2)).toEqual(["EnforcedPause", "EnforcedPause"]);
    expect(finished?.scores.size).toBe(2);
    expect((await recorded(ledger)).participants(1n)).toHaveLength(2);
    for (const c of [a, b]) c.close();
    await coordinator.close();
    await ledger.chain.close();
  });

  it("a restart of an aggregated round re-sends the same statement digest; the event log continues, and a corrupt one refuses to start", async () => {
    const ledger = await startLedger({ institutions: [alice, bob] });
    await admin(ledger, { functionName: "pause" });
    let stored: string | null | undefined;
    const first = await startCoordinator(ledger, { rounds: ROUNDS }, {
      events: {
        // Aggregated, its statement signed and stored; the record refused while paused: stop here.
        onRecordRefused: () => {
          stored ??= first.coordinator.state.getRound(1)?.statementDigest;
          void first.coordinator.close();
        },
      },
    });
    const [a, b] = [await joined(first.url, alice), await joined(first.url, bob)];
    const stopped = first.coordinator.run();
    await submitConstant(a, alice, 0.01);
    await submitConstant(b, bob, 0.02);
    expect(await stopped).toEqual([]);
    for (const c of [a, b]) c.close();
    expect(stored).toMatch(/^0x[0-9a-f]{64}$/);

    await admin(ledger, { functionName: "unpause" });
    const dir = first.config.storage.dir;
    const second = await startCoordinator(ledger, { rounds: ROUNDS, storage: { dir } });
    const [finished] = await second.coordinator.run();
    await second.coordinator.close();
    expect(finished?.statementDigest).toBe(stored);
    const { rounds } = await recorded(ledger);
    expect(rounds[0]?.args.statementDigest).toBe(stored);
    const envelope = await readStoredStatement(dir, stored as `0x${string}`);
    expect((await verifyStatementEnvelope(envelope!, ledger.operator.address)).statementDigest).toBe(stored);

    const path = join(dir, STORE_EVENT_LOG_FILE);
    const text = await readFile(path, "utf8");
    const log = verifyEventLog(text);
    expect(log.problem).toBeUndefined();
    const types = log.entries.map((e) => e.type);
    expect(types.filter((t) => t === "round.aggregated")).toHaveLength(1); // resumed, not aggregated again
    expect(types.slice(types.indexOf("restart"))).toEqual(["restart", "config", "round.recorded"]);
    expect(log.entries.find((e) => e.type === "restart")?.data).toMatchObject({ resumed: { round: 1, status: "aggregated" } });

    // One changed byte, and the coordinator refuses to start on the log.
    await writeFile(path, text.replace('"type":"restart"', '"type":"restarT"'));
    await expect(startCoordinator(ledger, { rounds: ROUNDS, storage: { dir } })).rejects.toMatchObject({ code: "EVENT_LOG_CORRUPT" });
    await ledger.chain.close();
  });

  it("refusing one update by index: that update is left out, the round re-aggregated and recorded with the rest", async () => {
    const ledger = await startLedger({ institutions: [alice, bob] });
    const refusals: LedgerRefusal[] = [];
    let aggregatedWithAlice: string | null | undefined;
    const onRecordRefused = await refuseAliceAtTheLedger(ledger, (r) => {
      // The aggregate the ledger first refused (for its budget) included alice.
      if (refusals.push(r) === 1) aggregatedWithAlice = started.coordinator.state.getRound(1)?.aggregateModelHash;
    });
    const started = await startCoordinator(ledger, { rounds: ROUNDS }, { events: { onRecordRefused } });
    const { coordinator, url } = started;
    const [a, b] = [await joined(url, alice), await joined(url, bob)];
    const run = coordinator.run();
    await submitConstant(a, alice, 0.01);
    await submitConstant(b, bob, 0.02);
    const [finished] = await run;
    expect(aggregatedWithAlice).toMatch(/^0x[0-9a-f]{64}$/);

    const perUpdate = refusals.find((r) => r.updateIndex !== undefined);
    expect(perUpdate?.errorName).toBe("LedgerSignerNotActive");
    expect(perUpdate?.args[1]).toBe(alice.account.address);
    expect([...finished!.scores.keys()]).toEqual([bob.account.address]);
    // Re-aggregated without alice: a different model from the one first refused.
    expect(finished?.aggregateModelHash).not.toBe(aggregatedWithAlice);
    const { rounds, participants } = await recorded(ledger);
    expect(rounds[0]?.args.aggregateModelHash).toBe(finished?.aggregateModelHash);
    expect(participants(1n)).toEqual([bob.account.address]);
    expect(coordinator.state.listExcluded(1).map((u) => [u.participant, u.excluded])).toEqual([[alice.account.address, "NOT_REGISTERED"]]);
    for (const c of [a, b]) c.close();
    await coordinator.close();
    await ledger.chain.close();
  });

  it("a restart right after a per-update refusal never re-sends the refused record: it records the rest", async () => {
    const ledger = await startLedger({ institutions: [alice, bob] });
    const first = await startCoordinator(ledger, { rounds: ROUNDS }, {
      events: {
        onRecordRefused: await refuseAliceAtTheLedger(ledger, (refusal) => {
          // Stop the coordinator the moment the ledger names alice, before it can re-aggregate.
          if (refusal.updateIndex !== undefined) void first.coordinator.close();
        }),
      },
    });
    const [a, b] = [await joined(first.url, alice), await joined(first.url, bob)];
    const stopped = first.coordinator.run();
    await submitConstant(a, alice, 0.01);
    await submitConstant(b, bob, 0.02);
    expect(await stopped).toEqual([]);
    for (const c of [a, b]) c.close();
    expect((await recorded(ledger)).rounds).toHaveLength(0);

    const second = await startCoordinator(ledger, { rounds: ROUNDS, storage: { dir: first.config.storage.dir } });
    const [finished] = await second.coordinator.run();
    expect([...finished!.scores.keys()]).toEqual([bob.account.address]);
    expect((await recorded(ledger)).participants(1n)).toEqual([bob.account.address]);
    await second.coordinator.close();
    await ledger.chain.close();
  });
});
