import { describe, expect, it } from "vitest";
import { custom, keccak256, toHex, zeroAddress } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { BUDGET, byParticipant, deployLedger, GENESIS, participantAccount, statementOf, updateHashOf } from "../../../test/fixtures/ledger.ts";
import { claimRewards } from "./claimRewards.ts";
import { createLedgerReader, createLedgerWallet } from "./ledgerClients.ts";

const AGG1 = keccak256(toHex("claim aggregate 1"));

async function setup() {
  const f = await deployLedger();
  const [p1, p2] = [1, 2].map(participantAccount) as [PrivateKeyAccount, PrivateKeyAccount];
  await f.register([p1, p2]);
  const updates = await Promise.all(
    [p1, p2].map((a, i) => f.signed(a, { round: 1, updateHash: updateHashOf(1, i), numSamples: 1n, score: BigInt(i + 1) })),
  );
  await f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), byParticipant(updates)]);
  const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address });
  return { f, p1, p2, reader };
}

describe("claimRewards (EDR)", () => {
  it("claims everything claimable to the account itself, then refuses a second claim", async () => {
    const { f, p1, reader } = await setup();
    await f.walletOf(p1);
    const wallet = await createLedgerWallet(reader, p1);
    expect(wallet.client.chain.id).toBe(f.chainId);
    const claimable = await f.ledger.read.claimable([p1.address]);
    expect(claimable).toBe(BUDGET / 3n); // score 1 of 3; the remainder goes to the top score

    const result = await claimRewards(reader, wallet);
    expect(result).toMatchObject({ participant: p1.address, recipient: p1.address, amount: claimable });
    const receipt = await f.publicClient.getTransactionReceipt({ hash: result.transactionHash });
    expect(receipt.status).toBe("success");
    expect(result.blockNumber).toBe(receipt.blockNumber);
    expect(result.gasUsed).toBe(receipt.gasUsed);
    expect(await f.token.read.balanceOf([p1.address])).toBe(claimable);
    expect(await f.ledger.read.claimable([p1.address])).toBe(0n);

    await expect(claimRewards(reader, wallet)).rejects.toMatchObject({ code: "CHAIN_ERROR", shortMessage: `Nothing to claim for ${p1.address}` });
  });

  it("pays a named recipient", async () => {
    const { f, p2, reader } = await setup();
    await f.walletOf(p2);
    const wallet = await createLedgerWallet(reader, p2);
    const recipient = participantAccount(42).address;
    const claimable = await f.ledger.read.claimable([p2.address]);
    const result = await claimRewards(reader, wallet, { recipient });
    expect(result).toMatchObject({ participant: p2.address, recipient, amount: claimable });
    expect(await f.token.read.balanceOf([recipient])).toBe(claimable);
    expect(await f.token.read.balanceOf([p2.address])).toBe(0n);
  });

  it("refuses an account with nothing credited and the zero recipient, without sending", async () => {
    const { f, p1, reader } = await setup();
    const stranger = participantAccount(77);
    await f.walletOf(stranger);
    const strangerWallet = await createLedgerWallet(reader, stranger);
    const nonceBefore = await f.publicClient.getTransactionCount({ address: stranger.address });
    await expect(claimRewards(reader, strangerWallet)).rejects.toMatchObject({ code: "CHAIN_ERROR", shortMessage: `Nothing to claim for ${stranger.address}` });
    expect(await f.publicClient.getTransactionCount({ address: stranger.address })).toBe(nonceBefore);

    const wallet = await createLedgerWallet(reader, p1);
    await expect(claimRewards(reader, wallet, { recipient: zeroAddress })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });

  it("reports a revert (paused ledger) and a missing gas balance as CHAIN_ERROR", async () => {
    const { f, p1, p2, reader } = await setup();
    const unfunded = await createLedgerWallet(reader, p2);
    const noGas = await claimRewards(reader, unfunded).catch((e: unknown) => e);
    expect(noGas).toMatchObject({ code: "CHAIN_ERROR" });
    expect((noGas as Error).message).toMatch(/^Cannot send the claim transaction: .*enough funds/is);

    await f.walletOf(p1);
    const wallet = await createLedgerWallet(reader, p1);
    await f.ledger.write.pause();
    const error = await claimRewards(reader, wallet).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CHAIN_ERROR", shortMessage: "Cannot send the claim transaction: the ledger reverted with EnforcedPause" });
  });
});
