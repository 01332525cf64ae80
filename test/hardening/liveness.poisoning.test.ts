import { describe, expect, it } from "vitest";
import { createParticipant, decodeWeights, initialWeights, type Weights } from "@fedledger/client-sdk";
import type { Coordinator } from "@fedledger/coordinator";
import { institution, type Institution, type LedgerHandle, startCoordinator, startLedger, syntheticDataset, tinyLayout, tinySpec } from "../fixtures/coordinatorHarness.ts";
import { constantUpdate, craftSubmission, type RawClient } from "../fixtures/rawClient.ts";
import { joined, recorded } from "../fixtures/federation.ts";

const [alice, bob, mallory] = [institution(1), institution(2), institution(3)];
const FLOAT32_NEAR_MAX = 3e38;

/**
 * Mallory's two poisonings: values near float32's maximum in round 1; in round 2, the
 * federation's own progress (the round's base minus genesis) sign-flipped and scaled up.
 */
function poison(round: number, base: Weights): Float32Array[] {
  if (round === 1) return constantUpdate(tinyLayout, FLOAT32_NEAR_MAX);
  const genesis = initialWeights(tinySpec, 0);
  return base.map((layer, i) => layer.map((v, k) => -1e4 * (v - (genesis[i]![k] ?? 0))));
}

async function attack(client: RawClient, round: number) {
  const fit = await client.nextFit(round);
  const update = poison(round, decodeWeights(fit.model, tinyLayout).weights);
  const ack = await client.submit(await craftSubmission({ account: mallory.account, session: client.session, fit, layout: tinyLayout, update, commitment: mallory.commitment, numSamples: 96 }));
  if (!ack.ok) throw new Error(`the poisoned update must pass every per-update check: ${ack.error.code}`);
}

function honestParticipants(url: string, domain: { chainId: number; ledger: `0x${string}` }, institutions: readonly Institution[]) {
  return institutions.map((inst) => {
    const participant = createParticipant({ coordinatorUrl: url, ...domain, account: inst.account, data: inst.data, datasetCommitment: inst.commitment });
    const trained: number[] = [];
    const errors: string[] = [];
    participant.events.on("round:trained", (t) => trained.push(t.round));
    participant.events.on("error", (e) => errors.push(e.code));
    return { participant, trained, errors };
  });
}

/**
 * Two rounds with `honestOnes` training with the SDK and mallory poisoning both (every
 * participant available, `minFitClients` needed); `check` looks at the outcome, then
 * everything is stopped.
 */
async function twoPoisonedRounds(
  honestOnes: readonly Institution[],
  minFitClients: number,
  validationGate: boolean,
  check: (outcome: {
    coordinator: Coordinator;
    ledger: LedgerHandle;
    finished: Awaited<ReturnType<Coordinator["run"]>>;
    honest: ReturnType<typeof honestParticipants>;
  }) => Promise<void>,
): Promise<void> {
  const ledger = await startLedger({ institutions: [...honestOnes, mallory] });
  const { coordinator, url } = await startCoordinator(
    ledger,
    {
      rounds: { rounds: 2, minFitClients, minAvailableClients: honestOnes.length + 1, fitTimeoutMs: 30_000, availabilityTimeoutMs: 30_000 },
      safety: { validationGate },
    },
    { evaluationData: syntheticDataset(77, 200) },
  );
  const honest = honestParticipants(url, coordinator.domain, honestOnes);
  await Promise.all(honest.map((h) => h.participant.start()));
  const m = await joined(url, mallory);
  try {
    const run = coordinator.run();
    await attack(m, 1);
    await attack(m, 2);
    await check({ coordinator, ledger, finished: await run, honest });
  } finally {
    await Promise.all(honest.map((h) => h.participant.stop()));
    m.close();
    await coordinator.close();
    await ledger.chain.close();
  }
}

// Poisoned updates pass every per-update check (finite, signed, in range); the safety net
// keeps them out of the recorded model, and the federation keeps training.
describe("the safety net against a poisoning participant", () => {
  it("leaves a norm outlier out before aggregation (three clients, one poisoning): both rounds record without it", async () => {
    await twoPoisonedRounds([alice, bob], 2, true, async ({ coordinator, ledger, finished, honest }) => {
      expect(finished.map((r) => [...r.scores.keys()].sort())).toEqual([1, 2].map(() => [alice.account.address, bob.account.address].sort()));
      for (const round of [1, 2]) expect(coordinator.state.listExcluded(round).map((u) => [u.participant, u.excluded])).toEqual([[mallory.account.address, "NORM_EXCEEDED"]]);
      for (const h of honest) expect([h.trained, h.errors]).toEqual([[1, 2], []]);
      for (const r of finished) expect(Number.isFinite(r.metrics.loss) && (r.metrics.loss ?? Infinity) < 2).toBe(true);
      expect((await recorded(ledger)).rounds).toHaveLength(2);
    });
  });

  it("with two clients (norms cannot tell who is honest), the validation gate leaves the poisoned update out", async () => {
    await twoPoisonedRounds([alice], 1, true, async ({ coordinator, finished }) => {
      expect(finished.map((r) => [...r.scores.keys()])).toEqual([[alice.account.address], [alice.account.address]]);
      for (const round of [1, 2]) expect(coordinator.state.listExcluded(round).map((u) => [u.participant, u.excluded])).toEqual([[mallory.account.address, "NO_VALIDATED_GAIN"]]);
    });
  });

  it("with the gate off, the candidate's validation loss leaves the poisoned update out", async () => {
    await twoPoisonedRounds([alice], 1, false, async ({ coordinator, ledger, finished, honest }) => {
      expect(finished.map((r) => [...r.scores.keys()])).toEqual([[alice.account.address], [alice.account.address]]);
      for (const round of [1, 2]) expect(coordinator.state.listExcluded(round).map((u) => [u.participant, u.excluded])).toEqual([[mallory.account.address, "VALIDATION_FAILED"]]);
      expect([honest[0]!.trained, honest[0]!.errors]).toEqual([[1, 2], []]);
      for (const r of finished) expect(Number.isFinite(r.metrics.loss) && (r.metrics.loss ?? Infinity) < 2).toBe(true);
      const { participants } = await recorded(ledger);
      expect([participants(1n), participants(2n)]).toEqual([[alice.account.address], [alice.account.address]]);
    });
  });
});
