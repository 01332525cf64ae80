import { bytesToHex, type Hex } from "viem";

/**
 * SHA-256 of bulk content (encoded weights and updates, stored objects), as 0x-hex.
 *
 * WebCrypto (`crypto.subtle`) is native in Node and in browsers, so one implementation
 * serves both at native speed. keccak256 in JavaScript runs at ~18 MB/s, so it is used
 * only for EIP-712 and other small Ethereum structures; the contract never re-hashes
 * bulk data.
 */
export async function contentHash(bytes: Uint8Array): Promise<Hex> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return bytesToHex(new Uint8Array(digest));
}
