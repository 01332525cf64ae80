import { describe, expect, it } from "vitest";
import { contributionLedgerAbi, createDataset, createParticipant, datasetFingerprint } from "@fedledger/client-sdk";
import { institution, startCoordinator, startLedger, syntheticDataset } from "../fixtures/coordinatorHarness.ts";
import { freePort } from "../fixtures/freePort.ts";

describe("a participant cut off mid-round", () => {
  it("reconnects with backoff and resubmits its signed update without training twice", async () => {
    const alice = institution(1);
    // Enough data that training outlasts the coordinator's outage window below.
    const big = syntheticDataset(5, 6_000);
    const data = createDataset({ features: big.features, labels: big.labels, featureShape: [4], numClasses: 3 });
    const commitment = datasetFingerprint(data);
    const aliceBig = { ...alice, data, commitment };
    const ledger = await startLedger({ institutions: [aliceBig] });
    const port = await freePort();
    const overrides = {
      server: { port, ackTimeoutMs: 5_000 },
      rounds: { rounds: 1, minFitClients: 1, minAvailableClients: 1, fitTimeoutMs: 60_000, availabilityTimeoutMs: 30_000 },
      training: { epochs: 8, batchSize: 8, learningRate: 0.05 },
    };
    const first = await startCoordinator(ledger, overrides);
    const participant = createParticipant({ coordinatorUrl: first.url, ...first.coordinator.domain, account: alice.account, data, datasetCommitment: commitment, reconnectDelayMs: 200, reconnectDelayMaxMs: 500 });
    let trained = 0;
    const submitted: boolean[] = [];
    participant.events.on("round:trained", () => (trained += 1));
    participant.events.on("round:submitted", (s) => submitted.push(s.duplicate));
    // The outage is visible to the participant's user.
    const lost = new Promise<{ reason: string }>((resolve) => participant.events.once("connection:lost", resolve));
    await participant.start();
    const run = first.coordinator.run().catch(() => undefined);
    await new Promise<void>((resolve) => participant.events.once("round:start", () => resolve()));
    // The coordinator goes away while the participant trains.
    await first.coordinator.close();
    await run;
    // It comes back (same storage, same port) and resumes the open round.
    const second = await startCoordinator(ledger, { ...overrides, storage: { dir: first.config.storage.dir } });
    const finished = await second.coordinator.run();
    expect(finished).toHaveLength(1);
    expect(trained).toBe(1);
    expect(submitted).toEqual([false]);
    expect((await lost).reason).toMatch(/^(transport close|io server disconnect)$/);
    const updates = await ledger.publicClient.getContractEvents({ address: ledger.ledger, abi: contributionLedgerAbi, eventName: "UpdateRecorded", fromBlock: 0n });
    expect(updates.map((u) => u.args.participant)).toEqual([alice.account.address]);
    await participant.stop();
    await second.coordinator.close();
    await ledger.chain.close();
  }, 120_000);
});
