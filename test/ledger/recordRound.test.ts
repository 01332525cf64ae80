import { describe, expect, it } from "vitest";
import { decodeEventLog, keccak256, toHex, zeroAddress, zeroHash } from "viem";
import { contributionLedgerAbi } from "../../client-sdk/src/protocol/ledgerAbi.ts";
import { BUDGET, byParticipant, commitmentOf, deployLedger, GENESIS, participantAccount, statementOf, updateHashOf } from "../fixtures/ledger.ts";

const AGG1 = keccak256(toHex("aggregate 1"));
const AGG2 = keccak256(toHex("aggregate 2"));

describe("ContributionLedger.recordRound (viem, EDR)", () => {
  it("accepts SDK signatures, credits budget × score / Σ scores and emits one event per update", async () => {
    const f = await deployLedger();
    const accounts = byParticipant([1, 2, 3].map((i) => ({ participant: participantAccount(i).address, account: participantAccount(i) }))).map((x) => x.account);
    await f.register(accounts);
    const scores = [100n, 250n, 650n];
    const updates = await Promise.all(
      accounts.map((a, i) => f.signed(a, { round: 1, updateHash: updateHashOf(1, i), numSamples: scores[i]!, score: scores[i]! })),
    );
    const hash = await f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), updates]);
    const receipt = await f.publicClient.waitForTransactionReceipt({ hash });
    const events = receipt.logs.map((log) => decodeEventLog({ abi: contributionLedgerAbi, ...log }));
    const recorded = events.filter((e) => e.eventName === "UpdateRecorded");
    expect(events.find((e) => e.eventName === "RoundRecorded")?.args).toMatchObject({ round: 1n, aggregateModelHash: AGG1, statementDigest: statementOf(1n) });
    expect(recorded.map((e) => e.args)).toEqual(
      accounts.map((a, i) => ({
        round: 1n,
        participant: a.address,
        updateHash: updateHashOf(1, i),
        numSamples: scores[i],
        score: scores[i],
      })),
    );
    let total = 0n;
    for (const [i, a] of accounts.entries()) {
      const credited = await f.ledger.read.claimable([a.address]);
      expect(credited).toBe((BUDGET * scores[i]!) / 1000n);
      total += credited;
    }
    expect(total).toBe(BUDGET);
    expect(await f.ledger.read.headModelHash()).toBe(AGG1);
    expect(await f.ledger.read.latestRound()).toBe(1n);
  });

  it("credits the rounding remainder to the first highest score", async () => {
    const budget = 1000n;
    const f = await deployLedger({ budget, fund: 10_000n });
    const accounts = byParticipant([1, 2, 3].map((i) => ({ participant: participantAccount(i).address, account: participantAccount(i) }))).map((x) => x.account);
    await f.register(accounts);
    const updates = await Promise.all(
      accounts.map((a, i) => f.signed(a, { round: 1, updateHash: updateHashOf(1, i), numSamples: 1n, score: 1n })),
    );
    await f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), updates]);
    // floor(1000/3) = 333 each; remainder 1 goes to index 0 (all tie, first wins).
    expect(await f.ledger.read.claimable([accounts[0]!.address])).toBe(334n);
    expect(await f.ledger.read.claimable([accounts[1]!.address])).toBe(333n);
    expect(await f.ledger.read.claimable([accounts[2]!.address])).toBe(333n);
    expect(await f.ledger.read.totalCredited()).toBe(budget);
  });

  it("enforces lineage across rounds and stores the round record", async () => {
    const f = await deployLedger();
    const [a] = [participantAccount(1)];
    await f.register([a!]);
    const u1 = await f.signed(a!, { round: 1, updateHash: updateHashOf(1, 0), numSamples: 5n, score: 5n });
    await f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u1]]);
    const u2 = await f.signed(a!, { round: 2, base: AGG1, updateHash: updateHashOf(2, 0), numSamples: 5n, score: 5n });
    await f.ledger.write.recordRound([2n, AGG1, AGG2, statementOf(2n), [u2]]);
    const record = await f.ledger.read.roundRecord([2n]);
    expect(record.baseModelHash).toBe(AGG1);
    expect(record.aggregateModelHash).toBe(AGG2);
    expect(record.statementDigest).toBe(statementOf(2n));
    expect(record.participantCount).toBe(1);
    expect(record.budget).toBe(BUDGET);
    const info = await f.ledger.read.participantInfo([a!.address]);
    expect(info.credited).toBe(2n * BUDGET);
    expect(info.registeredAt).toBeGreaterThan(0n);
  });

  it("registers the dataset size with the commitment, and records a sample count equal to it", async () => {
    const f = await deployLedger();
    const a = participantAccount(1);
    const hash = await f.ledger.write.registerParticipant([a.address, commitmentOf(a.address), 600, zeroHash]);
    const receipt = await f.publicClient.waitForTransactionReceipt({ hash });
    const [registered] = receipt.logs.map((log) => decodeEventLog({ abi: contributionLedgerAbi, ...log }));
    expect(registered).toMatchObject({ eventName: "ParticipantRegistered", args: { participant: a.address, datasetCommitment: commitmentOf(a.address), datasetSize: 600n } });
    expect((await f.ledger.read.participantInfo([a.address])).datasetSize).toBe(600);
    const u = await f.signed(a, { round: 1, updateHash: updateHashOf(1, 0), numSamples: 600n, score: 600n });
    await f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u]]);
    expect(await f.ledger.read.claimable([a.address])).toBe(BUDGET);
  });

  it("pays claims by pull, to self or a named recipient", async () => {
    const f = await deployLedger();
    const a = participantAccount(1);
    await f.register([a]);
    const u1 = await f.signed(a, { round: 1, updateHash: updateHashOf(1, 0), numSamples: 5n, score: 5n });
    await f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u1]]);
    const recipient = f.others[0]!.account.address;
    const wallet = await f.walletOf(a);
    const hash = await wallet.writeContract({ address: f.ledger.address, abi: contributionLedgerAbi, functionName: "claim", args: [recipient] });
    await f.publicClient.waitForTransactionReceipt({ hash });
    expect(await f.token.read.balanceOf([recipient])).toBe(BUDGET);
    expect(await f.ledger.read.claimable([a.address])).toBe(0n);
    expect((await f.ledger.read.participantInfo([a.address])).claimed).toBe(BUDGET);
    expect(recipient).not.toBe(zeroAddress);
  });
});
