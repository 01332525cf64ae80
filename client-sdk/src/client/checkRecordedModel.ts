import type { Hex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { describeIssues, recordedModelSchema } from "../protocol/messages.ts";

/**
 * The weights of a `model:fetch` reply, checked against the model asked for. Throws
 * INVALID_PAYLOAD for a malformed reply or one that names another round or hash, and
 * HASH_MISMATCH when the bytes do not hash to the model's hash.
 */
export async function checkRecordedModel(reply: unknown, expected: { round: number; modelHash: Hex }): Promise<Uint8Array> {
  const parsed = recordedModelSchema.safeParse(reply);
  if (!parsed.success) throw new FedLedgerError("INVALID_PAYLOAD", "Malformed model reply", { details: describeIssues(parsed.error) });
  const { round, modelHash, model } = parsed.data;
  const wanted = expected.modelHash.toLowerCase();
  if (round !== expected.round || modelHash.toLowerCase() !== wanted) {
    throw new FedLedgerError("INVALID_PAYLOAD", "The coordinator sent another model than the one asked for", {
      details: `asked for round ${expected.round}'s ${wanted}, got round ${round}'s ${modelHash}`,
    });
  }
  const actual = await contentHash(model);
  if (actual !== wanted) throw new FedLedgerError("HASH_MISMATCH", "The fetched model does not match its hash", { details: `${actual}, expected ${wanted}` });
  return model;
}
