import { createReadStream } from "node:fs";
import type { Hex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { createContentHasher } from "../protocol/hashing/contentHash.ts";

/**
 * SHA-256 of a file's bytes, streamed: a model file, an evaluation report, a consent or
 * licence attestation. Throws INVALID_CONFIG naming `what` when it cannot be read.
 */
export async function hashFile(path: string, what = "file"): Promise<{ hash: Hex; bytes: number }> {
  const hasher = createContentHasher();
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hasher.update(chunk);
      bytes += chunk.length;
    }
  } catch (cause) {
    throw new FedLedgerError("INVALID_CONFIG", `Cannot read the ${what} ${path}`, {
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    });
  }
  return { hash: hasher.digest(), bytes };
}
