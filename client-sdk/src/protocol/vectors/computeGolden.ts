import { bytesToHex } from "viem";
import { RELEASE_APPROVAL_TYPEHASH, releaseApprovalDigest, UPDATE_TYPEHASH, updateDigest } from "../eip712.ts";
import { encodeWeights } from "../encoding/weightsCodec.ts";
import { contentHash } from "../hashing/contentHash.ts";
import { GOLDEN_DOMAIN, GOLDEN_LAYOUT, GOLDEN_MESSAGE_FIELDS, GOLDEN_RELEASE_FIELDS, GOLDEN_WEIGHTS, type GoldenVectors } from "./goldenInputs.ts";

/** Recomputes the golden vectors from their inputs with the current protocol code. */
export async function computeGolden(): Promise<GoldenVectors> {
  const f32 = encodeWeights(GOLDEN_WEIGHTS, GOLDEN_LAYOUT, "f32");
  const i8 = encodeWeights(GOLDEN_WEIGHTS, GOLDEN_LAYOUT, "i8");
  const f32Hash = await contentHash(f32);
  const i8Hash = await contentHash(i8);
  return {
    f32: { encoding: bytesToHex(f32), sha256: f32Hash },
    i8: { encoding: bytesToHex(i8), sha256: i8Hash },
    typehash: UPDATE_TYPEHASH,
    digest: updateDigest(GOLDEN_DOMAIN, { ...GOLDEN_MESSAGE_FIELDS, baseModelHash: f32Hash, updateHash: i8Hash }),
    releaseApproval: {
      typehash: RELEASE_APPROVAL_TYPEHASH,
      digest: releaseApprovalDigest(GOLDEN_DOMAIN, { ...GOLDEN_RELEASE_FIELDS, modelHash: f32Hash }),
    },
  };
}
