import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeWeights } from "../protocol/encoding/weightsCodec.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { LOCAL_MODEL_FILE, readLocalModelCopy, writeLocalModelCopy } from "./localModelCopy.ts";

const LAYOUT = [
  { name: "dense_0/kernel", shape: [2, 2] },
  { name: "dense_0/bias", shape: [2] },
] as const;
const SPEC = { kind: "mlp", inputShape: [2], layers: [{ units: 2, activation: "softmax" }] };

async function copyOf(round: number) {
  const weights = new Uint8Array(encodeWeights([Float32Array.of(round, 1, 2, 3), Float32Array.of(-round, 0)], LAYOUT));
  return { round, modelHash: await contentHash(weights), modelSpec: SPEC, weights };
}

describe("a participant's local model copy", () => {
  it("keeps the newest copy, replacing the previous one's weights", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fedledger-local-"));
    const [first, second] = [await copyOf(1), await copyOf(2)];
    await writeLocalModelCopy(dir, first);
    expect(await readLocalModelCopy(dir)).toEqual(first);
    await writeLocalModelCopy(dir, second);
    expect(await readLocalModelCopy(dir)).toEqual(second);
    expect((await readdir(dir)).sort()).toEqual([`${second.modelHash.slice(2)}.weights`, LOCAL_MODEL_FILE].sort());
  });

  it("refuses weights that do not match their hash, and a missing or malformed copy", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fedledger-local-"));
    await expect(readLocalModelCopy(dir)).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    const copy = await copyOf(3);
    await writeLocalModelCopy(dir, copy);
    const tampered = Uint8Array.from(copy.weights);
    tampered[tampered.length - 1]! ^= 1;
    await writeFile(join(dir, `${copy.modelHash.slice(2)}.weights`), tampered);
    await expect(readLocalModelCopy(dir)).rejects.toMatchObject({ code: "HASH_MISMATCH" });
    await writeFile(join(dir, LOCAL_MODEL_FILE), JSON.stringify({ version: 1, round: -1, modelHash: copy.modelHash, weightsFile: "../x.weights" }));
    await expect(readLocalModelCopy(dir)).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });
});
