import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { custom, zeroHash } from "viem";
import { deployLedger, participantAccount } from "../../../../test/fixtures/ledger.ts";
import { createLedgerReader } from "../../chain/ledgerClients.ts";
import { parseDatasetSpec } from "../parseDatasetSpec.ts";
import { datasetUpdateCommand, formatDatasetUpdate } from "./datasetUpdate.ts";
import { fingerprintCommand } from "./fingerprint.ts";

describe("dataset update command (EDR)", () => {
  it("registers the participant's new commitment, size and attestation from its own key; never a larger size", async () => {
    const f = await deployLedger();
    const [p1, stranger] = [participantAccount(1), participantAccount(2)];
    await f.register([p1], { datasetSize: 100 });
    await Promise.all([f.walletOf(p1), f.walletOf(stranger)]); // gas money
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address });
    const dir = await mkdtemp(join(tmpdir(), "fedledger-dataset-"));
    const licence = join(dir, "licence.txt");
    await writeFile(licence, "licence to train, v2\n");
    const digest = `0x${createHash("sha256").update("licence to train, v2\n").digest("hex")}`;

    const dataset = parseDatasetSpec("mnist:50");
    const result = await datasetUpdateCommand({ dataset, attestation: licence }, { reader, account: p1 });
    const expected = await fingerprintCommand({ dataset });
    expect(result).toMatchObject({ commitment: expected.commitment, datasetSize: 50, attestationDigest: digest });
    const info = await f.ledger.read.participantInfo([p1.address]);
    expect([info.datasetCommitment, info.datasetSize, info.attestationDigest]).toEqual([expected.commitment, 50, digest]);
    expect(formatDatasetUpdate(result)).toContain(`Attestation   ${digest}`);

    // Without an attestation the digest is cleared: none declared.
    await datasetUpdateCommand({ dataset }, { reader, account: p1 });
    expect((await f.ledger.read.participantInfo([p1.address])).attestationDigest).toBe(zeroHash);

    // Only the registrar raises a registered size; a stranger has nothing to update.
    await expect(datasetUpdateCommand({ dataset: parseDatasetSpec("mnist:60") }, { reader, account: p1 })).rejects.toMatchObject({
      code: "CHAIN_ERROR",
      shortMessage: expect.stringContaining("LedgerDatasetSizeIncrease"),
    });
    await expect(datasetUpdateCommand({ dataset }, { reader, account: stranger })).rejects.toMatchObject({
      code: "CHAIN_ERROR",
      shortMessage: expect.stringContaining("LedgerParticipantNotRegistered"),
    });
    expect((await f.ledger.read.participantInfo([p1.address])).datasetSize).toBe(50);
  });
});
