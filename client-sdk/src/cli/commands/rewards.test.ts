import { describe, expect, it } from "vitest";
import { custom, formatUnits, keccak256, toHex } from "viem";
import { BUDGET, byParticipant, deployLedger, GENESIS, participantAccount, statementOf, updateHashOf } from "../../../../test/fixtures/ledger.ts";
import { createLedgerReader } from "../../chain/ledgerClients.ts";
import { formatRewards, rewardsCommand } from "./rewards.ts";

describe("rewards command (EDR)", () => {
  it("reports totals, the per-round split and claims, with the token's units", async () => {
    const f = await deployLedger();
    const [p1, p2] = [participantAccount(1), participantAccount(2)];
    await f.register([p1, p2]);
    const aggregates = [keccak256(toHex("r1")), keccak256(toHex("r2"))];
    const scores = [[1n, 2n], [5n, 0n]] as const;
    for (const [i, pair] of scores.entries()) {
      const round = i + 1;
      const base = i === 0 ? GENESIS : aggregates[i - 1]!;
      const updates = await Promise.all(
        [p1, p2].map((a, k) => f.signed(a, { round, base, updateHash: updateHashOf(round, k), numSamples: 1n, score: pair[k]! })),
      );
      await f.ledger.write.recordRound([BigInt(round), base, aggregates[i]!, statementOf(round), byParticipant(updates)]);
    }
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address });

    const result = await rewardsCommand({ address: p1.address }, { reader });
    const round1 = BUDGET / 3n;
    expect(result.token).toEqual({ address: f.token.address, symbol: "FLR", decimals: 18 });
    expect(result.rounds.map((r) => [r.round, r.score, r.reward])).toEqual([
      [1n, 1n, round1],
      [2n, 5n, BUDGET],
    ]);
    expect(result).toMatchObject({ credited: round1 + BUDGET, claimed: 0n, claimable: round1 + BUDGET, reconciled: true });

    const text = formatRewards(result);
    expect(text).toContain(`Credited     ${formatUnits(round1 + BUDGET, 18)} FLR`);
    expect(text).toContain(`Claimable    ${formatUnits(round1 + BUDGET, 18)} FLR`);
    expect(text).toMatch(/^Round\s+Score\s+Total score\s+Reward$/m);
    expect(text).toMatch(new RegExp(`^\\s*2\\s+5\\s+5\\s+${formatUnits(BUDGET, 18)} FLR$`, "m"));

    // p2 scored 0 in round 2: credited nothing there, but the row is listed.
    const p2Result = await rewardsCommand({ address: p2.address }, { reader });
    expect(p2Result.rounds.map((r) => r.reward)).toEqual([BUDGET - round1, 0n]);
    expect(formatRewards(p2Result)).toContain("(incl. remainder 1)");

    const partial = await rewardsCommand({ address: p1.address, range: { fromBlock: result.rounds[1]!.blockNumber } }, { reader });
    expect(partial.reconciled).toBe(false);
    expect(formatRewards(partial)).toContain("Note: the scanned events account for");

    const none = await rewardsCommand({ address: participantAccount(3).address }, { reader });
    expect(formatRewards(none)).toContain("No rounds contributed.");
  });
});
