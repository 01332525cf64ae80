import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { contributionLedgerAbi, createParticipant, rederiveScores } from "@fedledger/client-sdk";
import { createDirectoryContentStore } from "../../coordinator/src/stores/contentStore.ts";
import { institution, startCoordinator, startLedger, syntheticDataset, tinySpec } from "../fixtures/coordinatorHarness.ts";

describe("contribution scores on-chain are re-derivable (real chain, socket.io, TensorFlow.js clients)", () => {
  it("an auditor re-derives every Shapley score the coordinator recorded, from the stored updates and the validation data", async () => {
    const institutions = [institution(1), institution(2), institution(3)];
    const ledger = await startLedger({ institutions });
    const evaluationData = syntheticDataset(77, 200);
    const { coordinator, url, config } = await startCoordinator(
      ledger,
      {
        rounds: { rounds: 2, minFitClients: 3, minAvailableClients: 3, fitTimeoutMs: 30_000, availabilityTimeoutMs: 30_000 },
        scorer: { name: "shapley", permutations: 4 },
      },
      { evaluationData },
    );
    const participants = institutions.map((inst) =>
      createParticipant({ coordinatorUrl: url, ...coordinator.domain, account: inst.account, data: inst.data, datasetCommitment: inst.commitment }),
    );
    await Promise.all(participants.map((p) => p.start()));
    const finished = await coordinator.run();
    await Promise.all(participants.map((p) => p.stop()));
    expect(finished.map((r) => r.round)).toEqual([1, 2]);

    const read = { address: ledger.ledger, abi: contributionLedgerAbi, fromBlock: 0n } as const;
    const rounds = await ledger.publicClient.getContractEvents({ ...read, eventName: "RoundRecorded" });
    const events = await ledger.publicClient.getContractEvents({ ...read, eventName: "UpdateRecorded" });
    const store = createDirectoryContentStore(join(config.storage.dir, "objects"));
    const scorer = config.scorer;
    expect(scorer).toEqual({ name: "shapley", permutations: 4, truncationTolerance: 0.01, maxEvaluations: 100 });
    if (!scorer) return;

    for (const r of rounds) {
      const recorded = events.filter((u) => u.args.round === r.args.round);
      const updates = recorded.map((u) => ({ participant: u.args.participant!, updateHash: u.args.updateHash!, numSamples: u.args.numSamples! }));
      const audit = (data = evaluationData) =>
        rederiveScores({ spec: tinySpec, evaluationData: data, scorer, baseModelHash: r.args.baseModelHash!, updates, fetch: (hash) => store.get(hash) });
      const onChain = recorded.map((u) => u.args.score!);
      expect(await audit()).toEqual(onChain);
      // Measured value, not claimed samples: the scores are not the sample counts.
      expect(onChain).not.toEqual(recorded.map((u) => u.args.numSamples!));
      // Other validation data gives other scores: the test would catch a wrong input.
      expect(await audit(syntheticDataset(78, 200))).not.toEqual(onChain);
    }
    await coordinator.close();
    await ledger.chain.close();
  });
});
