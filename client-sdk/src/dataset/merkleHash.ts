import { createHash } from "node:crypto";
import type { Hex } from "viem";
import { bufferToHex, bytes32ToBuffer } from "./bytes32.ts";

/*
 * Domain-separated node hashes of the dataset Merkle tree. Every hash is SHA-256 over a
 * one-byte tag and fixed-size fields, so a leaf, an inner node and a root can never be
 * mistaken for one another (no second-preimage by reinterpreting a node as a leaf):
 *
 *   leaf(h)          = SHA-256(0x00 || h)                      h: a 32-byte record hash
 *   node(l, r)       = SHA-256(0x01 || l || r)                 l, r: 32-byte child nodes
 *   root(n, top)     = SHA-256(0x02 || uint64be(n) || top)     n >= 1 leaves
 *   root(0)          = SHA-256(0x02 || uint64be(0))            the empty set
 *
 * The root binds the leaf count n, so a verifier can trust the `leafCount` of a proof:
 * it fixes the tree's shape, which is what makes "index 0", "index n - 1" and "adjacent
 * indices" in non-inclusion proofs meaningful.
 */

export const LEAF_TAG = 0x00;
export const NODE_TAG = 0x01;
export const ROOT_TAG = 0x02;

const LEAF_PREFIX = Buffer.from([LEAF_TAG]);
const NODE_PREFIX = Buffer.from([NODE_TAG]);

export function hashLeaf(recordHash: Hex): Hex {
  return bufferToHex(createHash("sha256").update(LEAF_PREFIX).update(bytes32ToBuffer(recordHash)).digest());
}

export function hashNode(left: Hex, right: Hex): Hex {
  return bufferToHex(
    createHash("sha256").update(NODE_PREFIX).update(bytes32ToBuffer(left)).update(bytes32ToBuffer(right)).digest(),
  );
}

/** The root over `leafCount` leaves whose top node is `top` (`null` only when leafCount is 0). */
export function hashRoot(leafCount: number, top: Hex | null): Hex {
  const header = Buffer.alloc(9);
  header[0] = ROOT_TAG;
  header.writeBigUInt64BE(BigInt(leafCount), 1);
  const hash = createHash("sha256").update(header);
  if (top !== null) hash.update(bytes32ToBuffer(top));
  return bufferToHex(hash.digest());
}

/** Fingerprint of a dataset with no records: SHA-256(0x02 || 00 00 00 00 00 00 00 00). */
export const EMPTY_DATASET_ROOT: Hex = hashRoot(0, null);
