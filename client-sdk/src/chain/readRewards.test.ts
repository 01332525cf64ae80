import { describe, expect, it } from "vitest";
import { type Address, custom, type Hex, keccak256, toHex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { BUDGET, byParticipant, deployLedger, GENESIS, participantAccount, statementOf, updateHashOf } from "../../../test/fixtures/ledger.ts";
import { createLedgerReader } from "./ledgerClients.ts";
import { readRewards, roundShare } from "./readRewards.ts";

type Fixture = Awaited<ReturnType<typeof deployLedger>>;
const agg = (r: number): Hex => keccak256(toHex(`aggregate ${r}`));

/** Records `round` with the given scores and returns each participant's expected reward. */
async function record(f: Fixture, round: number, budget: bigint, entries: readonly [PrivateKeyAccount, bigint][]) {
  const sorted = byParticipant(entries.map(([account, score]) => ({ participant: account.address, account, score })));
  const updates = await Promise.all(
    sorted.map((e, i) =>
      f.signed(e.account, { round, base: round === 1 ? GENESIS : agg(round - 1), updateHash: updateHashOf(round, i), numSamples: e.score * 10n, score: e.score }),
    ),
  );
  await f.ledger.write.recordRound([BigInt(round), round === 1 ? GENESIS : agg(round - 1), agg(round), statementOf(round), updates]);
  // Independent model of the split: floor shares, remainder to the first highest score.
  const total = sorted.reduce((s, e) => s + e.score, 0n);
  const shares = sorted.map((e) => (budget * e.score) / total);
  const remainder = budget - shares.reduce((s, x) => s + x, 0n);
  let top = 0;
  sorted.forEach((e, i) => {
    if (e.score > sorted[top]!.score) top = i;
  });
  return new Map<Address, { share: bigint; remainder: bigint; score: bigint }>(
    sorted.map((e, i) => [e.participant, { share: shares[i]!, remainder: i === top ? remainder : 0n, score: e.score }]),
  );
}

describe("readRewards (EDR)", () => {
  it("splits each round as the contract credits it, with remainders, budget changes and claims", async () => {
    const f = await deployLedger();
    const [p1, p2, p3] = [1, 2, 3].map(participantAccount) as [PrivateKeyAccount, PrivateKeyAccount, PrivateKeyAccount];
    const outsider = participantAccount(9);
    await f.register([p1, p2, p3]);
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address });

    const r1 = await record(f, 1, BUDGET, [[p1, 1n], [p2, 1n], [p3, 1n]]);
    const r2 = await record(f, 2, BUDGET, [[p1, 3n], [p3, 7n]]);
    const wallet1 = await f.walletOf(p1);
    const claimTx = await wallet1.writeContract({ address: f.ledger.address, abi: f.ledger.abi, functionName: "claim", args: [outsider.address] });
    await f.publicClient.waitForTransactionReceipt({ hash: claimTx });
    await f.ledger.write.setRoundBudget([1000n]);
    const r3 = await record(f, 3, 1000n, [[p1, 2n], [p2, 2n], [p3, 3n]]);
    const expected = [r1, r2, r3];
    // The remainder of round 1 (1 wei) and round 3 (2 units) exist, so the test exercises them.
    expect([...r1.values()].some((x) => x.remainder === 1n)).toBe(true);
    expect(r3.get(p3.address)!.remainder).toBe(2n);

    for (const p of [p1, p2, p3]) {
      const rewards = await readRewards(reader, p.address);
      const info = await f.ledger.read.participantInfo([p.address]);
      const mine = expected.flatMap((m, i) => {
        const e = m.get(p.address);
        return e === undefined ? [] : [{ round: BigInt(i + 1), ...e }];
      });
      expect(rewards.rounds.map((r) => ({ round: r.round, score: r.score, share: r.share, remainder: r.remainder }))).toEqual(
        mine.map((e) => ({ round: e.round, score: e.score, share: e.share, remainder: e.remainder })),
      );
      for (const r of rewards.rounds) {
        expect(r.reward).toBe(r.share + r.remainder);
        expect(r.budget).toBe(r.round === 3n ? 1000n : BUDGET);
        expect(r.numSamples).toBe(r.score * 10n);
      }
      expect(rewards.credited).toBe(info.credited);
      expect(rewards.claimed).toBe(info.claimed);
      expect(rewards.claimable).toBe(await f.ledger.read.claimable([p.address]));
      expect(rewards.earned).toBe(info.credited);
      expect(rewards.reconciled).toBe(true);
    }

    const p1Rewards = await readRewards(reader, p1.address);
    const claimedAmount = r1.get(p1.address)!.share + r1.get(p1.address)!.remainder + r2.get(p1.address)!.share;
    expect(p1Rewards.claims).toEqual([expect.objectContaining({ recipient: outsider.address, amount: claimedAmount, transactionHash: claimTx })]);
    expect(p1Rewards.claimed).toBe(claimedAmount);
    expect(p1Rewards.claimable).toBe(r3.get(p1.address)!.share);
    expect(await f.token.read.balanceOf([outsider.address])).toBe(claimedAmount);

    // Paging one block per request gives the same answer.
    const paged = await readRewards(reader, p1.address, { maxBlockRange: 1n });
    expect(paged).toEqual(p1Rewards);

    // A range that starts after round 1 misses it and says the events do not reconcile.
    const round2Block = p1Rewards.rounds[1]!.blockNumber;
    const partial = await readRewards(reader, p1.address, { fromBlock: round2Block });
    expect(partial.rounds.map((r) => r.round)).toEqual([2n, 3n]);
    expect(partial.reconciled).toBe(false);
    expect(partial.credited).toBe(p1Rewards.credited);

    // State as of an earlier block: before the claim and before round 3.
    const before = await readRewards(reader, p1.address, { toBlock: round2Block });
    expect(before.rounds.map((r) => r.round)).toEqual([1n, 2n]);
    expect(before.claimed).toBe(0n);
    expect(before.claimable).toBe(claimedAmount);
    expect(before.reconciled).toBe(true);
  });

  it("reports an empty account for an address that never contributed", async () => {
    const f = await deployLedger();
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address });
    const rewards = await readRewards(reader, participantAccount(7).address);
    expect(rewards).toMatchObject({ credited: 0n, claimed: 0n, claimable: 0n, rounds: [], claims: [], earned: 0n, reconciled: true });
  });

  it("roundShare is floor(budget * score / totalScore)", () => {
    expect(roundShare(1000n, 2n, 7n)).toBe(285n);
    expect(roundShare(10n ** 21n, 1n, 3n)).toBe(333333333333333333333n);
    expect(() => roundShare(1n, 0n, 0n)).toThrow(expect.objectContaining({ code: "CHAIN_ERROR" }));
  });
});
