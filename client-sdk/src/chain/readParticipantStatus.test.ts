import { describe, expect, it } from "vitest";
import { custom, type Hex, keccak256, toHex, zeroHash } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { byParticipant, commitmentOf, deployLedger, GENESIS, participantAccount, statementOf, updateHashOf } from "../../../test/fixtures/ledger.ts";
import { createLedgerReader } from "./ledgerClients.ts";
import { participantStatusName, readParticipantStatus } from "./readParticipantStatus.ts";

const agg = (r: number): Hex => keccak256(toHex(`status aggregate ${r}`));

describe("readParticipantStatus (EDR)", () => {
  it("reads registration, commitment, time and the rounds contributed", async () => {
    const f = await deployLedger();
    const [p1, p2, p3] = [1, 2, 3].map(participantAccount) as [PrivateKeyAccount, PrivateKeyAccount, PrivateKeyAccount];
    await f.register([p1, p2, p3], { datasetSize: 500 });
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address });
    const rounds: [PrivateKeyAccount, bigint][][] = [
      [[p1, 4n], [p2, 6n]],
      [[p1, 5n]],
      [[p1, 1n], [p2, 2n]],
    ];
    for (const [index, entries] of rounds.entries()) {
      const round = index + 1;
      const base = round === 1 ? GENESIS : agg(round - 1);
      const updates = await Promise.all(
        entries.map(([a, score]) => f.signed(a, { round, base, updateHash: updateHashOf(round, Number(score)), numSamples: 100n + score, score })),
      );
      await f.ledger.write.recordRound([BigInt(round), base, agg(round), statementOf(round), byParticipant(updates)]);
    }
    await f.ledger.write.deactivateParticipant([p2.address]);

    const s1 = await readParticipantStatus(reader, p1.address);
    const info1 = await f.ledger.read.participantInfo([p1.address]);
    expect(s1).toMatchObject({
      address: p1.address,
      status: "active",
      datasetCommitment: commitmentOf(p1.address),
      datasetSize: 500,
      registeredAt: info1.registeredAt,
      roundsContributed: 3,
    });
    expect(s1.registeredAt).toBeGreaterThan(0n);
    expect(s1.rounds.map((r) => [r.round, r.score, r.numSamples, r.updateHash])).toEqual([
      [1n, 4n, 104n, updateHashOf(1, 4)],
      [2n, 5n, 105n, updateHashOf(2, 5)],
      [3n, 1n, 101n, updateHashOf(3, 1)],
    ]);
    expect(s1.blockNumber).toBe(await f.publicClient.getBlockNumber());

    const s2 = await readParticipantStatus(reader, p2.address);
    expect(s2.status).toBe("inactive");
    expect(s2.rounds.map((r) => r.round)).toEqual([1n, 3n]);

    const s3 = await readParticipantStatus(reader, p3.address);
    expect(s3).toMatchObject({ status: "active", roundsContributed: 0, rounds: [] });

    const stranger = await readParticipantStatus(reader, participantAccount(8).address);
    expect(stranger).toMatchObject({ status: "none", datasetCommitment: zeroHash, datasetSize: 0, registeredAt: 0n, roundsContributed: 0 });

    // The same answer when the event scan is paged block by block, and a later start sees fewer rounds.
    expect(await readParticipantStatus(reader, p1.address, { maxBlockRange: 2n })).toEqual(s1);
    const later = await readParticipantStatus(reader, p1.address, { fromBlock: s1.rounds[1]!.blockNumber });
    expect(later.rounds.map((r) => r.round)).toEqual([2n, 3n]);
    // Reading at an earlier block sees p2 still active.
    const earlier = await readParticipantStatus(reader, p2.address, { toBlock: s1.rounds[2]!.blockNumber });
    expect(earlier.status).toBe("active");
  });

  it("names every status and refuses an unknown one", () => {
    expect([0, 1, 2].map(participantStatusName)).toEqual(["none", "active", "inactive"]);
    expect(() => participantStatusName(3)).toThrow(expect.objectContaining({ code: "CHAIN_ERROR" }));
  });
});
