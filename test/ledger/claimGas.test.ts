import { describe, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import { contributionLedgerAbi } from "../../client-sdk/src/protocol/ledgerAbi.ts";
import { gasBreakdown } from "../bench/lib/gasBreakdown.ts";
import { deployLedger, GENESIS, participantAccount, statementOf, updateHashOf } from "../fixtures/ledger.ts";

// The gas benchmark's claimBreakdown: a real claim's opcode trace on EDR, grouped.
describe("where a claim's gas goes (debug_traceTransaction on EDR)", () => {
  it("adds up to the receipt, and puts the recipient's zero-to-non-zero balance in the token's frame", async () => {
    const f = await deployLedger();
    const a = participantAccount(1);
    await f.register([a]);
    const u = await f.signed(a, { round: 1, updateHash: updateHashOf(1, 0), numSamples: 5n, score: 5n });
    await f.ledger.write.recordRound([1n, GENESIS, keccak256(toHex("aggregate 1")), statementOf(1n), [u]]);
    const wallet = await f.walletOf(a);
    const claim = async () => {
      const hash = await wallet.writeContract({ address: f.ledger.address, abi: contributionLedgerAbi, functionName: "claim", args: [a.address] });
      return { hash, gasUsed: Number((await f.publicClient.waitForTransactionReceipt({ hash })).gasUsed) };
    };
    const first = await claim();
    const breakdown = await gasBreakdown(f.publicClient, first.hash);
    const sum = (frame: Record<string, number> = {}) => Object.values(frame).reduce((x, y) => x + y, 0);
    expect(breakdown.intrinsic + sum(breakdown.frames["1"]) + sum(breakdown.frames["2"])).toBe(first.gasUsed);
    // 21,000 plus the calldata: a selector and one address word.
    expect(breakdown.intrinsic).toBeGreaterThan(21_000);
    expect(breakdown.intrinsic).toBeLessThan(21_000 + 36 * 16 + 1);
    // The token's stores: the ledger's balance lowered (2,900) and the recipient's set from zero (20,000).
    expect(breakdown.frames["2"]?.SSTORE).toBe(22_900);
    // A second claim to the now non-empty address: that store costs 2,900.
    const u2 = await f.signed(a, { round: 2, base: keccak256(toHex("aggregate 1")), updateHash: updateHashOf(2, 0), numSamples: 5n, score: 5n });
    await f.ledger.write.recordRound([2n, keccak256(toHex("aggregate 1")), keccak256(toHex("aggregate 2")), statementOf(2n), [u2]]);
    const again = await claim();
    expect((await gasBreakdown(f.publicClient, again.hash)).frames["2"]?.SSTORE).toBe(5_800);
    expect(first.gasUsed - again.gasUsed).toBe(17_100);
  });
});
