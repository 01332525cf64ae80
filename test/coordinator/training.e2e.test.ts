import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Address, type Hex } from "viem";
import { contributionLedgerAbi, createParticipant, rederiveAggregate, rederiveScores } from "@fedledger/client-sdk";
import { defaultScorerConfig } from "@fedledger/coordinator";
import { createDirectoryContentStore } from "../../coordinator/src/stores/contentStore.ts";
import { genesisHash, institution, startCoordinator, startLedger, syntheticDataset, tinyLayout, tinySpec } from "../fixtures/coordinatorHarness.ts";

describe("federated training end to end (real chain, socket.io on 127.0.0.1, TensorFlow.js clients)", () => {
  it("runs 3 rounds on the defaults: lineage on-chain, rewards match scores, every aggregate and score re-derivable", async () => {
    const institutions = [institution(1), institution(2), institution(3)];
    const ledger = await startLedger({ institutions });
    const evaluationData = syntheticDataset(77, 200);
    const { coordinator, url, config } = await startCoordinator(
      ledger,
      { rounds: { rounds: 3, minFitClients: 3, minAvailableClients: 3, fitTimeoutMs: 30_000, availabilityTimeoutMs: 30_000 }, safety: {} },
      { evaluationData },
    );
    // The defaults with evaluation data: FedAvg clipped at the median norm, Shapley scores.
    expect(config.strategy).toEqual({ name: "clip", medianMultiple: 1, inner: { name: "fedavg" } });
    expect(config.scorer).toBeUndefined();
    const participants = institutions.map((inst) =>
      createParticipant({ coordinatorUrl: url, ...coordinator.domain, account: inst.account, data: inst.data, datasetCommitment: inst.commitment }),
    );
    const submitted: { round: number; address: Address }[] = [];
    participants.forEach((p, i) => p.events.on("round:submitted", (s) => submitted.push({ round: s.round, address: institutions[i]!.account.address })));
    await Promise.all(participants.map((p) => p.start()));
    const finished = await coordinator.run();
    await Promise.all(participants.map((p) => p.stop()));

    expect(finished.map((r) => r.round)).toEqual([1, 2, 3]);
    expect(submitted).toHaveLength(9);
    const accuracies = finished.map((r) => r.metrics.accuracy ?? 0);
    expect(accuracies.every((a) => a >= 0 && a <= 1)).toBe(true);

    const read = { address: ledger.ledger, abi: contributionLedgerAbi, fromBlock: 0n } as const;
    const rounds = await ledger.publicClient.getContractEvents({ ...read, eventName: "RoundRecorded" });
    const updates = await ledger.publicClient.getContractEvents({ ...read, eventName: "UpdateRecorded" });
    expect(rounds).toHaveLength(3);

    // Lineage: round 1 builds on the genesis model, each next round on the previous aggregate.
    let base: Hex = await genesisHash();
    for (const r of rounds) {
      expect(r.args.baseModelHash).toBe(base);
      base = r.args.aggregateModelHash!;
    }
    expect(await ledger.publicClient.readContract({ ...read, functionName: "headModelHash" })).toBe(base);

    // Rewards match scores: budget × score / Σ scores per round, remainder to the named recipient.
    const expected = new Map<Address, bigint>();
    for (const r of rounds) {
      const mine = updates.filter((u) => u.args.round === r.args.round);
      for (const u of mine) {
        const share = (r.args.budget! * u.args.score!) / r.args.totalScore!;
        expected.set(u.args.participant!, (expected.get(u.args.participant!) ?? 0n) + share);
      }
      const recipient = r.args.remainderRecipient!;
      expected.set(recipient, (expected.get(recipient) ?? 0n) + r.args.remainder!);
    }
    for (const inst of institutions) {
      const info = await ledger.publicClient.readContract({ ...read, functionName: "participantInfo", args: [inst.account.address] });
      expect(info.credited).toBe(expected.get(inst.account.address));
    }

    // Reproducibility: an auditor re-derives every aggregate and score from the stored signed updates.
    const store = createDirectoryContentStore(join(config.storage.dir, "objects"));
    for (const r of rounds) {
      const mine = updates.filter((u) => u.args.round === r.args.round);
      const recorded = mine.map((u) => ({ participant: u.args.participant!, updateHash: u.args.updateHash!, numSamples: u.args.numSamples! }));
      const audit = { baseModelHash: r.args.baseModelHash!, updates: recorded, fetch: (hash: Hex) => store.get(hash) };
      const { aggregateModelHash } = await rederiveAggregate({ ...audit, layout: tinyLayout, clip: { medianMultiple: 1 } });
      expect(aggregateModelHash).toBe(r.args.aggregateModelHash);
      // Unclipped FedAvg is another model: the clip is part of what is audited.
      expect((await rederiveAggregate({ ...audit, layout: tinyLayout })).aggregateModelHash).not.toBe(r.args.aggregateModelHash);
      const scores = await rederiveScores({ ...audit, spec: tinySpec, evaluationData, scorer: defaultScorerConfig(true) });
      expect(scores).toEqual(mine.map((u) => u.args.score!));
    }
    await coordinator.close();
    await ledger.chain.close();
  });
});
