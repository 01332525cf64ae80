import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { custom } from "viem";
import { byParticipant, deployLedger, GENESIS, participantAccount, statementOf, updateHashOf } from "../../../../test/fixtures/ledger.ts";
import { createLedgerReader } from "../../chain/ledgerClients.ts";
import { encodeWeights } from "../../protocol/encoding/weightsCodec.ts";
import { contentHash } from "../../protocol/hashing/contentHash.ts";
import { hashFile } from "../hashFile.ts";
import { formatVerifyModel, verifyModelCommand } from "./verifyModel.ts";

const LAYOUT = [
  { name: "dense/kernel", shape: [3, 2] },
  { name: "dense/bias", shape: [2] },
] as const;

function model(seed: number): Uint8Array {
  return encodeWeights([Float32Array.from({ length: 6 }, (_, i) => seed + i / 10), Float32Array.from([seed, -seed])], LAYOUT);
}

describe("verify-model command (EDR)", () => {
  it("hashes a model file and walks its lineage back to genesis", async () => {
    const f = await deployLedger();
    const [p1, p2] = [participantAccount(1), participantAccount(2)];
    await f.register([p1, p2]);
    const dir = await mkdtemp(join(tmpdir(), "fedledger-model-"));
    const models = [model(1), model(2), model(3)];
    const hashes = await Promise.all(models.map((m) => contentHash(m)));
    const paths = models.map((_, i) => join(dir, `model-${i + 1}.bin`));
    await Promise.all(models.map((m, i) => writeFile(paths[i]!, m)));
    for (const round of [1, 2]) {
      const base = round === 1 ? GENESIS : hashes[round - 2]!;
      const members = round === 1 ? [p1, p2] : [p2];
      const updates = await Promise.all(members.map((a, k) => f.signed(a, { round, base, updateHash: updateHashOf(round, k), numSamples: 2n, score: 2n })));
      await f.ledger.write.recordRound([BigInt(round), base, hashes[round - 1]!, statementOf(round), byParticipant(updates)]);
    }
    const reader = createLedgerReader({ transport: custom(f.connection.provider), ledger: f.ledger.address });

    const result = await verifyModelCommand({ file: paths[1]! }, { reader });
    expect(result.modelHash).toBe(hashes[1]);
    expect(result.bytes).toBe(models[1]!.length);
    expect(result.lineage.kind).toBe("recorded");
    if (result.lineage.kind !== "recorded") return;
    expect(result.lineage.steps.map((s) => [s.round, s.baseModelHash, s.aggregateModelHash, s.participants.length])).toEqual([
      [2n, hashes[0], hashes[1], 1],
      [1n, GENESIS, hashes[0], 2],
    ]);
    const text = formatVerifyModel(result);
    expect(text).toContain(`SHA-256  ${hashes[1]}`);
    expect(text).toContain(`Produced by round 2; lineage back to genesis ${GENESIS}:`);

    const unrecorded = await verifyModelCommand({ file: paths[2]! }, { reader });
    expect(unrecorded.lineage.kind).toBe("unrecorded");
    expect(formatVerifyModel(unrecorded)).toContain("Not recorded on-chain");
    expect(formatVerifyModel({ ...unrecorded, lineage: { kind: "genesis", modelHash: GENESIS, genesisModelHash: GENESIS } })).toContain("genesis model");

    await expect(verifyModelCommand({ file: join(dir, "missing.bin") }, { reader })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });

  it("hashes large files in chunks like contentHash does in one go", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fedledger-model-"));
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251);
    await writeFile(join(dir, "big.bin"), bytes);
    expect(await hashFile(join(dir, "big.bin"))).toEqual({ hash: await contentHash(bytes), bytes: bytes.length });
  });
});
