import { describe, expect, it } from "vitest";
import { custom, keccak256, sha256, toHex, zeroHash } from "viem";
import { byParticipant, commitmentOf, deployLedger, GENESIS, participantAccount, statementOf, updateHashOf } from "../../../../test/fixtures/ledger.ts";
import { createLedgerReader } from "../../chain/ledgerClients.ts";
import { formatStatus, statusCommand } from "./status.ts";

describe("status command (EDR)", () => {
  it("reports registration and rounds, for a participant and a stranger", async () => {
    const f = await deployLedger();
    const [p1, p2] = [participantAccount(1), participantAccount(2)];
    const attestation = sha256(toHex("p2's consent form"));
    await f.register([p1, p2], { datasetSize: 250, attestation: (a) => (a === p2.address ? attestation : zeroHash) });
    const aggregates = [keccak256(toHex("s1")), keccak256(toHex("s2"))];
    for (const [i, members] of [[p1, p2], [p2]].entries()) {
      const round = i + 1;
      const base = i === 0 ? GENESIS : aggregates[i - 1]!;
      const updates = await Promise.all(members.map((a, k) => f.signed(a, { round, base, updateHash: updateHashOf(round, k), numSamples: 3n, score: 3n })));
      await f.ledger.write.recordRound([BigInt(round), base, aggregates[i]!, statementOf(round), byParticipant(updates)]);
    }
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address });

    const result = await statusCommand({ address: p2.address }, { reader });
    expect(result).toMatchObject({ ledger: f.ledger.address, address: p2.address, status: "active", datasetCommitment: commitmentOf(p2.address), datasetSize: 250, attestationDigest: attestation, roundsContributed: 2 });
    expect(result.rounds.map((r) => r.round)).toEqual([1n, 2n]);
    const text = formatStatus(result);
    expect(text).toContain(`Participant         ${p2.address}`);
    expect(text).toContain("Status              active");
    expect(text).toContain("Dataset size        250 records");
    expect(text).toContain(`Attestation         ${attestation}`);
    expect(text).toContain("Rounds contributed  2 (rounds 1, 2)");
    expect(text).toMatch(/Registered at\s+\d{4}-\d\d-\d\dT/);

    const p1Result = await statusCommand({ address: p1.address, range: { fromBlock: result.rounds[1]!.blockNumber } }, { reader });
    expect(p1Result.roundsContributed).toBe(0);
    expect(formatStatus(p1Result)).toContain("Attestation         none declared");

    const stranger = await statusCommand({ address: participantAccount(3).address }, { reader });
    expect(formatStatus(stranger)).toContain("Status              not registered");
    expect(formatStatus(stranger)).toContain("Rounds contributed  0");
    expect(formatStatus(stranger)).toContain("Dataset size        -");
  });
});
