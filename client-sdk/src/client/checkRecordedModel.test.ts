import { describe, expect, it } from "vitest";
import { encodeWeights } from "../protocol/encoding/weightsCodec.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { checkRecordedModel } from "./checkRecordedModel.ts";

const LAYOUT = [{ name: "dense_0/bias", shape: [3] }] as const;

describe("checkRecordedModel (a model:fetch reply, as the participant checks it)", () => {
  it("returns the weights when they hash to the model asked for", async () => {
    const model = encodeWeights([Float32Array.of(1, 2, 3)], LAYOUT);
    const modelHash = await contentHash(model);
    expect(await checkRecordedModel({ round: 2, modelHash, model }, { round: 2, modelHash: modelHash.toUpperCase().replace("0X", "0x") as typeof modelHash })).toBe(model);
  });

  it("refuses bytes that do not hash to it (HASH_MISMATCH), another model, and a malformed reply (INVALID_PAYLOAD)", async () => {
    const model = encodeWeights([Float32Array.of(1, 2, 3)], LAYOUT);
    const modelHash = await contentHash(model);
    const tampered = Uint8Array.from(model);
    tampered[tampered.length - 1]! ^= 1;
    await expect(checkRecordedModel({ round: 2, modelHash, model: tampered }, { round: 2, modelHash })).rejects.toMatchObject({ code: "HASH_MISMATCH" });
    const other = await contentHash(tampered);
    await expect(checkRecordedModel({ round: 2, modelHash: other, model: tampered }, { round: 2, modelHash })).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
    await expect(checkRecordedModel({ round: 1, modelHash, model }, { round: 2, modelHash })).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
    await expect(checkRecordedModel({ round: 2, modelHash, model: "bytes" }, { round: 2, modelHash })).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
  });
});
