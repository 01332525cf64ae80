import { describe, expect, it } from "vitest";
import { custom, type Hex, keccak256, toHex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { byParticipant, deployLedger, GENESIS, participantAccount, statementOf, updateHashOf } from "../../../test/fixtures/ledger.ts";
import { createLedgerReader } from "./ledgerClients.ts";
import { readLineage } from "./readLineage.ts";

const hashOf = (label: string): Hex => keccak256(toHex(label));

describe("readLineage (EDR)", () => {
  it("walks from a model's round back to genesis, with each round's participants", async () => {
    const f = await deployLedger();
    const [p1, p2, p3] = [1, 2, 3].map(participantAccount) as [PrivateKeyAccount, PrivateKeyAccount, PrivateKeyAccount];
    await f.register([p1, p2, p3]);
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address });
    // Round 4 reproduces round 2's model (an unchanged aggregate): its earliest round wins.
    const aggregates = [hashOf("m1"), hashOf("m2"), hashOf("m3"), hashOf("m2")];
    const members: PrivateKeyAccount[][] = [[p1, p2, p3], [p2], [p1, p3], [p3]];
    const txs: Hex[] = [];
    for (const [i, aggregate] of aggregates.entries()) {
      const round = i + 1;
      const base = i === 0 ? GENESIS : aggregates[i - 1]!;
      const updates = await Promise.all(
        members[i]!.map((a, k) => f.signed(a, { round, base, updateHash: updateHashOf(round, k), numSamples: 1n, score: 1n })),
      );
      txs.push(await f.ledger.write.recordRound([BigInt(round), base, aggregate, statementOf(round), byParticipant(updates)]));
    }
    const sortedAddresses = (accounts: PrivateKeyAccount[]) => byParticipant(accounts.map((a) => ({ participant: a.address }))).map((x) => x.participant);

    const lineage = await readLineage(reader, aggregates[2]!);
    expect(lineage.kind).toBe("recorded");
    if (lineage.kind !== "recorded") return;
    expect(lineage.round).toBe(3n);
    expect(lineage.genesisModelHash).toBe(GENESIS);
    expect(lineage.steps.map((s) => [s.round, s.baseModelHash, s.aggregateModelHash, s.statementDigest, s.participants, s.transactionHash])).toEqual([
      [3n, aggregates[1], aggregates[2], statementOf(3), sortedAddresses(members[2]!), txs[2]],
      [2n, aggregates[0], aggregates[1], statementOf(2), sortedAddresses(members[1]!), txs[1]],
      [1n, GENESIS, aggregates[0], statementOf(1), sortedAddresses(members[0]!), txs[0]],
    ]);

    const repeated = await readLineage(reader, aggregates[3]!.toUpperCase().replace("0X", "0x") as Hex);
    expect(repeated.kind === "recorded" && repeated.steps.map((s) => s.round)).toEqual([2n, 1n]);
    expect(repeated.modelHash).toBe(aggregates[1]!.toLowerCase());

    // Block-paged scans agree.
    expect(await readLineage(reader, aggregates[2]!, { maxBlockRange: 1n })).toEqual(lineage);

    expect(await readLineage(reader, GENESIS)).toEqual({ kind: "genesis", modelHash: GENESIS, genesisModelHash: GENESIS });
    expect(await readLineage(reader, hashOf("never trained"))).toEqual({
      kind: "unrecorded",
      modelHash: hashOf("never trained"),
      genesisModelHash: GENESIS,
    });

    // A scan that starts after round 1 cannot complete the walk.
    const round2Block = (await f.publicClient.getTransactionReceipt({ hash: txs[1]! })).blockNumber;
    await expect(readLineage(reader, aggregates[2]!, { fromBlock: round2Block })).rejects.toMatchObject({
      code: "CHAIN_ERROR",
      shortMessage: "Round 1 of the lineage is not in the scanned blocks",
    });
  });

  it("refuses a malformed model hash", async () => {
    const f = await deployLedger();
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address });
    await expect(readLineage(reader, "0x1234")).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });
});
