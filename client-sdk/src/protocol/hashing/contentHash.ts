import { bytesToHex, type Hex } from "viem";
import type * as NodeCryptoModule from "node:crypto";
import { FedLedgerError } from "../../errors/FedLedgerError.ts";

/**
 * SHA-256 of bulk content (encoded weights and updates, stored objects), as 0x-hex.
 *
 * Native everywhere: `node:crypto` in Node (about 1.8 GB/s here), WebCrypto in a
 * browser. keccak256 in JavaScript runs at ~18 MB/s, so it is kept for EIP-712 and other
 * small Ethereum structures; the contract never re-hashes bulk data.
 */
type NodeCrypto = typeof NodeCryptoModule;

// process.getBuiltinModule (Node >= 22.3) loads node:crypto synchronously without a
// static import, so browser bundles of the SDK do not pull in a Node module.
const nodeCrypto: NodeCrypto | undefined = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined;

export async function contentHash(bytes: Uint8Array): Promise<Hex> {
  if (nodeCrypto) return contentHashSync(bytes);
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return bytesToHex(new Uint8Array(digest));
}

/** Synchronous SHA-256; Node only (throws INTERNAL elsewhere). */
export function contentHashSync(bytes: Uint8Array): Hex {
  if (!nodeCrypto) throw new FedLedgerError("INTERNAL", "Synchronous hashing needs node:crypto");
  return `0x${nodeCrypto.createHash("sha256").update(bytes).digest("hex")}`;
}

/** Incremental SHA-256 for content streamed in chunks (Node only). */
export function createContentHasher(): { update(chunk: Uint8Array): void; digest(): Hex } {
  if (!nodeCrypto) throw new FedLedgerError("INTERNAL", "Incremental hashing needs node:crypto");
  const hash = nodeCrypto.createHash("sha256");
  return {
    update: (chunk) => void hash.update(chunk),
    digest: () => `0x${hash.digest("hex")}`,
  };
}
