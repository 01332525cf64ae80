import { describe, expect, it } from "vitest";
import { createParticipant } from "@fedledger/client-sdk";
import { institution, startCoordinator, startLedger, syntheticDataset, tinyLayout } from "../fixtures/coordinatorHarness.ts";
import { constantUpdate, craftSubmission } from "../fixtures/rawClient.ts";
import { joined, recorded } from "../fixtures/federation.ts";

const [alice, bob, mallory] = [institution(1), institution(2), institution(3)];

// A robust strategy's rejection, end to end: over a real chain and real training, Multi-Krum
// keeps the two honest updates and rejects the far-off one, which is then left out of the
// scores and of the on-chain record, so it earns nothing.
describe("an update the strategy rejects", () => {
  it("is left out of the record (REJECTED_BY_STRATEGY), counted, and earns nothing", async () => {
    const ledger = await startLedger({ institutions: [alice, bob, mallory] });
    const { coordinator, url } = await startCoordinator(
      ledger,
      {
        rounds: { rounds: 1, minFitClients: 3, minAvailableClients: 3, fitTimeoutMs: 30_000, availabilityTimeoutMs: 30_000 },
        strategy: { name: "multi-krum", f: 0, m: 2 },
        // The norm outlier net would catch this update first; here the strategy is under test.
        safety: { outlierNormMultiple: null },
      },
      { evaluationData: syntheticDataset(77, 200) },
    );
    const honest = [alice, bob].map((inst) =>
      createParticipant({ coordinatorUrl: url, ...coordinator.domain, account: inst.account, data: inst.data, datasetCommitment: inst.commitment }),
    );
    await Promise.all(honest.map((p) => p.start()));
    const m = await joined(url, mallory);
    const run = coordinator.run();
    const fit = await m.nextFit(1);
    const update = constantUpdate(tinyLayout, 1);
    const ack = await m.submit(await craftSubmission({ account: mallory.account, session: m.session, fit, layout: tinyLayout, update, commitment: mallory.commitment, numSamples: 96 }));
    expect(ack.ok).toBe(true);
    const [finished] = await run;

    expect([...finished!.scores.keys()].sort()).toEqual([alice.account.address, bob.account.address].sort());
    expect(coordinator.state.listExcluded(1).map((u) => [u.participant, u.excluded])).toEqual([[mallory.account.address, "REJECTED_BY_STRATEGY"]]);
    const refused = (await coordinator.metrics.updatesRefused.get()).values.find((v) => v.labels.reason === "REJECTED_BY_STRATEGY");
    expect(refused?.value).toBe(1);
    // Mallory is told, at round end, that its update was left out and why.
    const end = await m.roundEnd(1);
    expect(end.leftOut).toEqual([{ participant: mallory.account.address, code: "REJECTED_BY_STRATEGY" }]);
    const { participants } = await recorded(ledger);
    expect(participants(1n).sort()).toEqual([alice.account.address, bob.account.address].sort());

    await Promise.all(honest.map((p) => p.stop()));
    m.close();
    await coordinator.close();
    await ledger.chain.close();
  });
});
