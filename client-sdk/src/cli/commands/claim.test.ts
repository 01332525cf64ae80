import { describe, expect, it } from "vitest";
import { custom, keccak256, toHex } from "viem";
import { BUDGET, deployLedger, GENESIS, participantAccount, statementOf, updateHashOf } from "../../../../test/fixtures/ledger.ts";
import { createLedgerReader } from "../../chain/ledgerClients.ts";
import { claimCommand, formatClaim } from "./claim.ts";

describe("claim command (EDR)", () => {
  it("claims to a recipient, then refuses with nothing left to claim", async () => {
    const f = await deployLedger();
    const p1 = participantAccount(1);
    await f.register([p1]);
    const update = await f.signed(p1, { round: 1, updateHash: updateHashOf(1, 0), numSamples: 1n, score: 1n });
    await f.ledger.write.recordRound([1n, GENESIS, keccak256(toHex("c1")), statementOf(1n), [update]]);
    await f.walletOf(p1);
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address });
    const recipient = participantAccount(50).address;

    const result = await claimCommand({ recipient }, { reader, account: p1 });
    expect(result).toMatchObject({ participant: p1.address, recipient, amount: BUDGET, ledger: f.ledger.address });
    expect(await f.token.read.balanceOf([recipient])).toBe(BUDGET);
    expect(formatClaim(result)).toContain("Claimed      1000 FLR");
    expect(formatClaim(result)).toContain(`Transaction  ${result.transactionHash}`);

    await expect(claimCommand({}, { reader, account: p1 })).rejects.toMatchObject({ code: "CHAIN_ERROR", shortMessage: `Nothing to claim for ${p1.address}` });
  });
});
