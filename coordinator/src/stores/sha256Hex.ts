import type { Hex } from "viem";
import { FedLedgerError } from "@fedledger/client-sdk";

const SHA256_HEX = /^0x[0-9a-f]{64}$/;

/**
 * The canonical spelling of a SHA-256 content hash (0x + 64 lowercase hex digits), used
 * as a key and a file name. Throws INTERNAL for anything else: hashes reach the stores
 * from validated messages or from contentHash, so a bad one is a bug, never user input.
 */
export function canonicalSha256Hex(hash: string): Hex {
  const lower = hash.toLowerCase();
  if (!SHA256_HEX.test(lower)) {
    throw new FedLedgerError("INTERNAL", "Not a SHA-256 content hash", { details: JSON.stringify(hash.slice(0, 80)) });
  }
  return lower as Hex;
}
