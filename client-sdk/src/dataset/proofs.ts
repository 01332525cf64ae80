import type { Hex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { canonicalBytes32, describeValue, isBytes32Hex } from "./bytes32.ts";
import type { MerkleTree } from "./merkle.ts";
import { EMPTY_DATASET_ROOT, hashLeaf, hashNode, hashRoot } from "./merkleHash.ts";

/**
 * Proof that `leaf` (a record hash) is leaf `index` of a tree of `leafCount` leaves.
 * `siblings` are the sibling nodes from the leaf level up, skipping levels where the path
 * node is the promoted last node of an odd-sized level.
 */
export type InclusionProof = {
  readonly leaf: Hex;
  readonly index: number;
  readonly leafCount: number;
  readonly siblings: readonly Hex[];
};

/**
 * Proof that `recordHash` is NOT in a tree of `leafCount` leaves, by the sorted order:
 * - empty tree: both brackets null;
 * - below the smallest leaf: `successor` proves leaf 0, and recordHash < successor.leaf;
 * - above the largest leaf: `predecessor` proves leaf leafCount - 1, and predecessor.leaf < recordHash;
 * - otherwise: brackets at indices i and i + 1 with predecessor.leaf < recordHash < successor.leaf.
 */
export type NonInclusionProof = {
  readonly recordHash: Hex;
  readonly leafCount: number;
  readonly predecessor: InclusionProof | null;
  readonly successor: InclusionProof | null;
};

function malformed(message: string, details?: string): FedLedgerError {
  return new FedLedgerError("INVALID_PROOF", message, details === undefined ? {} : { details });
}

function checkBytes32(value: unknown, name: string): Hex {
  if (!isBytes32Hex(value)) throw malformed(`${name} must be 0x-prefixed 32-byte hex`, `got ${describeValue(value)}`);
  return canonicalBytes32(value);
}

function checkCount(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw malformed(`${name} must be a non-negative integer`, `got ${typeof value === "number" ? value : describeValue(value)}`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks the shape of an inclusion proof and returns it with canonical (lowercase) hex. */
function checkInclusionProof(value: unknown, name: string): InclusionProof {
  if (!isRecord(value)) throw malformed(`${name} must be an object`);
  const { siblings } = value;
  if (!Array.isArray(siblings)) throw malformed(`${name}.siblings must be an array`);
  return {
    leaf: checkBytes32(value["leaf"], `${name}.leaf`),
    index: checkCount(value["index"], `${name}.index`),
    leafCount: checkCount(value["leafCount"], `${name}.leafCount`),
    siblings: siblings.map((s: unknown, i) => checkBytes32(s, `${name}.siblings[${i}]`)),
  };
}

/** Index of the first record hash >= `hash` (binary search over the sorted set). */
function lowerBound(sorted: readonly Hex[], hash: Hex): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as Hex) < hash) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function proofAt(tree: MerkleTree, index: number): InclusionProof {
  const siblings: Hex[] = [];
  let position = index;
  for (let level = 0; level + 1 < tree.layers.length; level++) {
    const layer = tree.layers[level] ?? [];
    const promoted = position === layer.length - 1 && layer.length % 2 === 1;
    if (!promoted) siblings.push(layer[position ^ 1] as Hex);
    position >>>= 1;
  }
  return { leaf: tree.recordHashes[index] as Hex, index, leafCount: tree.leafCount, siblings };
}

/**
 * Proof that `recordHash` is in `tree`. Throws INVALID_PROOF when `recordHash` is not
 * 32-byte hex or is not in the tree.
 */
export function proveInclusion(tree: MerkleTree, recordHash: Hex): InclusionProof {
  const hash = checkBytes32(recordHash, "recordHash");
  const index = lowerBound(tree.recordHashes, hash);
  if (tree.recordHashes[index] !== hash) {
    throw malformed("cannot prove inclusion: the record hash is not in the tree", hash);
  }
  return proofAt(tree, index);
}

/**
 * Whether `proof` shows its leaf at its index in the tree of its leafCount whose root is
 * `root`. Returns false for a well-formed proof that does not verify (wrong root, index
 * out of range, wrong sibling count or values). Throws INVALID_PROOF for a malformed root
 * or proof (not an object, non-integer index or count, bad hex).
 */
export function verifyInclusion(root: Hex, proof: InclusionProof): boolean {
  const expectedRoot = checkBytes32(root, "root");
  return verifyChecked(expectedRoot, checkInclusionProof(proof, "proof"));
}

function verifyChecked(root: Hex, { leaf, index, leafCount, siblings }: InclusionProof): boolean {
  if (index >= leafCount) return false;
  let node = hashLeaf(leaf);
  let position = index;
  let width = leafCount;
  let used = 0;
  while (width > 1) {
    const promoted = position === width - 1 && width % 2 === 1;
    if (!promoted) {
      const sibling = siblings[used++];
      if (sibling === undefined) return false;
      node = position % 2 === 0 ? hashNode(node, sibling) : hashNode(sibling, node);
    }
    position = Math.floor(position / 2);
    width = Math.ceil(width / 2);
  }
  return used === siblings.length && hashRoot(leafCount, node) === root;
}

/**
 * Proof that `recordHash` is not in `tree` (see {@link NonInclusionProof}). Throws
 * INVALID_PROOF when `recordHash` is not 32-byte hex or IS in the tree.
 */
export function proveNonInclusion(tree: MerkleTree, recordHash: Hex): NonInclusionProof {
  const hash = checkBytes32(recordHash, "recordHash");
  const index = lowerBound(tree.recordHashes, hash);
  if (tree.recordHashes[index] === hash) {
    throw malformed("cannot prove non-inclusion: the record hash is in the tree", hash);
  }
  return {
    recordHash: hash,
    leafCount: tree.leafCount,
    predecessor: index > 0 ? proofAt(tree, index - 1) : null,
    successor: index < tree.leafCount ? proofAt(tree, index) : null,
  };
}

/**
 * Whether `proof` shows that its recordHash is absent from the set whose root is `root`.
 * Returns false for a well-formed proof that does not verify: a bracket that fails
 * inclusion or disagrees on leafCount, brackets that are not adjacent (or not leaf 0 /
 * leaf leafCount - 1 when one is null), a recordHash not strictly between them, a missing
 * bracket in a non-empty tree, or a wrong root. Throws INVALID_PROOF for a malformed root
 * or proof.
 */
export function verifyNonInclusion(root: Hex, proof: NonInclusionProof): boolean {
  const expectedRoot = checkBytes32(root, "root");
  const value: unknown = proof;
  if (!isRecord(value)) throw malformed("proof must be an object");
  const recordHash = checkBytes32(value["recordHash"], "proof.recordHash");
  const leafCount = checkCount(value["leafCount"], "proof.leafCount");
  const bracket = (name: "predecessor" | "successor"): InclusionProof | null => {
    const raw = value[name];
    if (raw === null) return null;
    if (raw === undefined) throw malformed(`proof.${name} must be an inclusion proof or null`);
    return checkInclusionProof(raw, `proof.${name}`);
  };
  const predecessor = bracket("predecessor");
  const successor = bracket("successor");

  if (leafCount === 0) return predecessor === null && successor === null && expectedRoot === EMPTY_DATASET_ROOT;
  if (predecessor === null && successor === null) return false;
  if (predecessor !== null) {
    if (predecessor.leafCount !== leafCount || !(predecessor.leaf < recordHash)) return false;
    if (successor === null && predecessor.index !== leafCount - 1) return false;
    if (!verifyChecked(expectedRoot, predecessor)) return false;
  }
  if (successor !== null) {
    if (successor.leafCount !== leafCount || !(recordHash < successor.leaf)) return false;
    if (predecessor === null && successor.index !== 0) return false;
    if (predecessor !== null && successor.index !== predecessor.index + 1) return false;
    if (!verifyChecked(expectedRoot, successor)) return false;
  }
  return true;
}
