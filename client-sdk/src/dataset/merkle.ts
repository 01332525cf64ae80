// The Merkle tree is hand-written: no maintained library offers a sorted, de-duplicated
// leaf set with non-inclusion proofs by adjacent leaves and a root that binds the leaf
// count (@openzeppelin/merkle-tree, for one, hashes pairs commutatively with keccak and
// has no absence proofs), and the whole tree is ~60 lines over node:crypto.
import type { Hex } from "viem";
import type { Dataset } from "../data/Dataset.ts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { canonicalBytes32, describeValue, isBytes32Hex } from "./bytes32.ts";
import { EMPTY_DATASET_ROOT, hashLeaf, hashNode, hashRoot } from "./merkleHash.ts";
import { datasetRecordHashes } from "./recordHash.ts";

/**
 * A Merkle tree over a SET of record hashes.
 *
 * Construction: record hashes are lowercased, sorted by byte value (equal to sorting the
 * lowercase hex) and de-duplicated; leaf i is `leaf(recordHashes[i])`. Each level pairs
 * nodes (0,1), (2,3), ... into `node(left, right)`; when a level has an odd count its last
 * node is promoted unchanged to the next level. The top node and the leaf count give the
 * root (see merkleHash.ts); the empty set's root is {@link EMPTY_DATASET_ROOT}.
 */
export type MerkleTree = {
  readonly root: Hex;
  readonly leafCount: number;
  /** The sorted, unique, lowercase record hashes; leaf i commits to recordHashes[i]. */
  readonly recordHashes: readonly Hex[];
  /** layers[0] are the leaf nodes, each next layer the parents, the last one [top]; [] when empty. */
  readonly layers: readonly (readonly Hex[])[];
};

/**
 * Builds the tree over `hashes` (any order, duplicates allowed). Throws INVALID_DATASET
 * when an entry is not a 0x-prefixed 32-byte hex string.
 */
export function buildMerkleTree(hashes: readonly Hex[]): MerkleTree {
  const canonical = hashes.map((h, i) => {
    if (!isBytes32Hex(h)) {
      throw new FedLedgerError("INVALID_DATASET", "record hashes must be 0x-prefixed 32-byte hex", {
        details: `hashes[${i}] = ${describeValue(h)}`,
      });
    }
    return canonicalBytes32(h);
  });
  canonical.sort();
  const recordHashes = canonical.filter((h, i) => i === 0 || h !== canonical[i - 1]);
  Object.freeze(recordHashes);
  if (recordHashes.length === 0) {
    return Object.freeze({ root: EMPTY_DATASET_ROOT, leafCount: 0, recordHashes, layers: Object.freeze([]) });
  }
  let layer: Hex[] = recordHashes.map(hashLeaf);
  const layers: (readonly Hex[])[] = [Object.freeze(layer)];
  while (layer.length > 1) {
    const next: Hex[] = [];
    for (let i = 0; i + 1 < layer.length; i += 2) next.push(hashNode(layer[i] as Hex, layer[i + 1] as Hex));
    if (layer.length % 2 === 1) next.push(layer[layer.length - 1] as Hex);
    layer = next;
    layers.push(Object.freeze(layer));
  }
  return Object.freeze({
    root: hashRoot(recordHashes.length, layer[0] as Hex),
    leafCount: recordHashes.length,
    recordHashes,
    layers: Object.freeze(layers),
  });
}

/**
 * The dataset commitment a participant registers on-chain: the root of the Merkle tree over
 * the record hashes of its samples (recordHash.ts). It depends only on the SET of records:
 * not on their order, nor on how often a record repeats.
 */
export function datasetFingerprint(dataset: Dataset): Hex {
  return buildMerkleTree(datasetRecordHashes(dataset)).root;
}
