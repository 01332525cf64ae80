import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createParticipant, type FedLedgerError, readLocalModelCopy } from "@fedledger/client-sdk";
import { institution, startCoordinator, startLedger } from "../fixtures/coordinatorHarness.ts";

// A participant whose fetch of a recorded model is refused (here by the rate limit)
// reports it as an error, keeps the model it has, and trains on (real chain, coordinator, training).
describe("a participant keeping the recorded model", () => {
  it("reports a refused fetch and trains on, keeping the newest model it could check", async () => {
    const alice = institution(1);
    const ledger = await startLedger({ institutions: [alice] });
    // Login (2 events), then per round a submit and a fetch: the 6th event, round 2's fetch, is refused.
    const { coordinator, url } = await startCoordinator(ledger, {
      server: { port: 0, ackTimeoutMs: 5_000, submissionsPerMinute: 1, submissionBurst: 5 },
      rounds: { rounds: 2, minFitClients: 1, minAvailableClients: 1, fitTimeoutMs: 15_000, availabilityTimeoutMs: 15_000 },
    });
    const modelDir = await mkdtemp(join(tmpdir(), "fedledger-keep-"));
    const participant = createParticipant({ coordinatorUrl: url, ...coordinator.domain, account: alice.account, data: alice.data, datasetCommitment: alice.commitment, modelDir });
    const kept: number[] = [];
    participant.events.on("model:kept", (k) => kept.push(k.round));
    const refused = new Promise<FedLedgerError>((resolve) => participant.events.on("error", resolve));
    await participant.start();
    const finished = await coordinator.run();
    expect(await refused).toMatchObject({ code: "RATE_LIMITED" });
    await participant.stop();
    expect(finished.map((r) => r.round)).toEqual([1, 2]);
    expect(kept).toEqual([0, 1]);
    expect(await readLocalModelCopy(modelDir)).toMatchObject({ round: 1, modelHash: finished[0]!.aggregateModelHash });
    await coordinator.close();
    await ledger.chain.close();
  });
});
