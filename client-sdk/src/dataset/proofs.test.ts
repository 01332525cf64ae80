import { createHash } from "node:crypto";
import fc from "fast-check";
import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../errors/codes.ts";
import { buildMerkleTree, type MerkleTree } from "./merkle.ts";
import { EMPTY_DATASET_ROOT } from "./merkleHash.ts";
import {
  type InclusionProof,
  type NonInclusionProof,
  proveInclusion,
  proveNonInclusion,
  verifyInclusion,
  verifyNonInclusion,
} from "./proofs.ts";

const fedError = (code: ErrorCode) => expect.objectContaining({ name: "FedLedgerError", code });
const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b): Hex => `0x${Buffer.from(b).toString("hex")}`);
/** h(i) = SHA-256 of the 4-byte big-endian i. */
function h(i: number): Hex {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(i);
  return `0x${createHash("sha256").update(b).digest("hex")}`;
}
/** Flips the lowest bit of a 32-byte hex value. */
function flip(x: Hex): Hex {
  const last = parseInt(x.slice(-1), 16) ^ 1;
  return `${x.slice(0, -1)}${last.toString(16)}` as Hex;
}
/** The 32-byte value right after / before `x`, for hashes strictly between leaves. */
function step(x: Hex, delta: 1n | -1n): Hex {
  return `0x${(BigInt(x) + delta).toString(16).padStart(64, "0")}`;
}
const MIN: Hex = `0x${"00".repeat(32)}`;
const MAX: Hex = `0x${"ff".repeat(32)}`;

function treeOf(n: number): MerkleTree {
  return buildMerkleTree(Array.from({ length: n }, (_, i) => h(i)));
}

/** An absent hash in each gap of the tree: below the minimum, between each pair, above the maximum. */
function gaps(tree: MerkleTree): Hex[] {
  const sorted = tree.recordHashes;
  const out: Hex[] = [];
  if (sorted[0] !== MIN) out.push(MIN);
  sorted.forEach((x) => {
    const next = step(x, 1n);
    if (x !== MAX && !sorted.includes(next)) out.push(next);
  });
  return out;
}

describe("inclusion proofs", () => {
  it("verify for every leaf of trees of 1 to 33 leaves", () => {
    for (let n = 1; n <= 33; n++) {
      const tree = treeOf(n);
      tree.recordHashes.forEach((leaf, index) => {
        const proof = proveInclusion(tree, leaf);
        expect(proof).toMatchObject({ leaf, index, leafCount: n });
        expect(verifyInclusion(tree.root, proof)).toBe(true);
      });
    }
  });

  it("verify for random sets, also after a JSON round trip and in upper case", () => {
    fc.assert(
      fc.property(fc.uniqueArray(hashArb, { minLength: 1, maxLength: 200 }), fc.nat(), (hashes, pick) => {
        const tree = buildMerkleTree(hashes);
        const member = hashes[pick % hashes.length] as Hex;
        const proof = proveInclusion(tree, member);
        expect(verifyInclusion(tree.root, proof)).toBe(true);
        expect(verifyInclusion(tree.root, JSON.parse(JSON.stringify(proof)) as InclusionProof)).toBe(true);
        const upper = (x: Hex) => `0x${x.slice(2).toUpperCase()}` as Hex;
        expect(verifyInclusion(upper(tree.root), { ...proof, leaf: upper(proof.leaf), siblings: proof.siblings.map(upper) })).toBe(true);
      }),
    );
  });

  it("has no siblings in a one-leaf tree", () => {
    const tree = treeOf(1);
    expect(proveInclusion(tree, h(0))).toEqual({ leaf: h(0), index: 0, leafCount: 1, siblings: [] });
  });

  it("rejects every tampered variant", () => {
    for (const n of [2, 3, 5, 8, 13]) {
      const tree = treeOf(n);
      const other = treeOf(n + 1);
      tree.recordHashes.forEach((leaf) => {
        const proof = proveInclusion(tree, leaf);
        const variants: InclusionProof[] = [
          ...proof.siblings.map((_, s) => ({ ...proof, siblings: proof.siblings.map((x, t) => (t === s ? flip(x) : x)) })),
          ...Array.from({ length: n + 2 }, (_, i) => i).filter((i) => i !== proof.index).map((index) => ({ ...proof, index })),
          ...[n - 1, n + 1, 2 * n, 1].filter((c) => c !== n && c > 0).map((leafCount) => ({ ...proof, leafCount })),
          { ...proof, leaf: flip(proof.leaf) },
          { ...proof, siblings: [...proof.siblings, proof.leaf] },
          { ...proof, siblings: proof.siblings.slice(1) },
          { ...proof, siblings: [...proof.siblings].reverse() },
          { ...proof, leafCount: 0, index: 0 },
        ];
        for (const variant of variants) {
          if (JSON.stringify(variant) === JSON.stringify(proof)) continue; // a palindrome of siblings
          expect(verifyInclusion(tree.root, variant)).toBe(false);
        }
        expect(verifyInclusion(other.root, proof)).toBe(false);
        expect(verifyInclusion(flip(tree.root), proof)).toBe(false);
      });
    }
  });

  it("cannot pass an inner node off as a leaf (domain separation and bound leaf count)", () => {
    const tree = treeOf(4);
    const [left, right] = tree.layers[1] as Hex[];
    expect(verifyInclusion(tree.root, { leaf: left as Hex, index: 0, leafCount: 2, siblings: [right as Hex] })).toBe(false);
    expect(verifyInclusion(tree.root, { leaf: tree.layers[0]?.[0] as Hex, index: 0, leafCount: 4, siblings: proveInclusion(tree, tree.recordHashes[0] as Hex).siblings })).toBe(false);
  });

  it("cannot be built for an absent hash or from bad hex", () => {
    expect(() => proveInclusion(treeOf(3), h(99))).toThrow(fedError("INVALID_PROOF"));
    expect(() => proveInclusion(buildMerkleTree([]), h(0))).toThrow(fedError("INVALID_PROOF"));
    expect(() => proveInclusion(treeOf(3), "0x12")).toThrow(fedError("INVALID_PROOF"));
  });

  const good = () => proveInclusion(treeOf(5), h(2));
  const malformed: [string, () => unknown][] = [
    ["null", () => null],
    ["an array", () => []],
    ["a string", () => "proof"],
    ["a short leaf", () => ({ ...good(), leaf: "0x1234" })],
    ["a leaf without 0x", () => ({ ...good(), leaf: good().leaf.slice(2) })],
    ["a non-hex leaf", () => ({ ...good(), leaf: `0x${"gg".repeat(32)}` })],
    ["a missing leaf", () => ({ index: 0, leafCount: 5, siblings: [] })],
    ["a negative index", () => ({ ...good(), index: -1 })],
    ["a fractional index", () => ({ ...good(), index: 1.5 })],
    ["a string index", () => ({ ...good(), index: "2" })],
    ["a NaN leafCount", () => ({ ...good(), leafCount: Number.NaN })],
    ["a bigint leafCount", () => ({ ...good(), leafCount: 5n })],
    ["siblings not an array", () => ({ ...good(), siblings: "0x" })],
    ["a bad sibling", () => ({ ...good(), siblings: [...good().siblings, "0xabc"] })],
    ["a number sibling", () => ({ ...good(), siblings: [1] })],
  ];
  it.each(malformed)("throws INVALID_PROOF for a proof with %s", (_name, make) => {
    expect(() => verifyInclusion(treeOf(5).root, make() as InclusionProof)).toThrow(fedError("INVALID_PROOF"));
  });

  it.each(["0x", "root", `0x${"00".repeat(31)}`])("throws INVALID_PROOF for root %j", (root) => {
    expect(() => verifyInclusion(root as Hex, good())).toThrow(fedError("INVALID_PROOF"));
  });
});

describe("non-inclusion proofs", () => {
  it("verify for every gap of trees of 0 to 33 leaves, with the right brackets", () => {
    for (let n = 0; n <= 33; n++) {
      const tree = treeOf(n);
      for (const absent of gaps(tree)) {
        const proof = proveNonInclusion(tree, absent);
        expect(proof.leafCount).toBe(n);
        expect(verifyNonInclusion(tree.root, proof)).toBe(true);
        if (n === 0) expect([proof.predecessor, proof.successor]).toEqual([null, null]);
        else if (proof.predecessor === null) expect(proof.successor?.index).toBe(0);
        else if (proof.successor === null) expect(proof.predecessor.index).toBe(n - 1);
        else expect(proof.successor.index).toBe(proof.predecessor.index + 1);
      }
    }
  });

  it("verify for random sets and absent hashes, also after a JSON round trip", () => {
    fc.assert(
      fc.property(fc.uniqueArray(hashArb, { maxLength: 200 }), hashArb, (hashes, probe) => {
        fc.pre(!hashes.includes(probe));
        const tree = buildMerkleTree(hashes);
        const proof = proveNonInclusion(tree, probe);
        expect(verifyNonInclusion(tree.root, proof)).toBe(true);
        expect(verifyNonInclusion(tree.root, JSON.parse(JSON.stringify(proof)) as NonInclusionProof)).toBe(true);
        if (hashes.length > 0) expect(() => proveNonInclusion(tree, hashes[0] as Hex)).toThrow(fedError("INVALID_PROOF"));
      }),
    );
  });

  it("handles the empty set", () => {
    const tree = buildMerkleTree([]);
    const proof = proveNonInclusion(tree, h(1));
    expect(proof).toEqual({ recordHash: h(1), leafCount: 0, predecessor: null, successor: null });
    expect(verifyNonInclusion(EMPTY_DATASET_ROOT, proof)).toBe(true);
    expect(verifyNonInclusion(treeOf(1).root, proof)).toBe(false);
    const bracket = proveInclusion(treeOf(1), h(0));
    expect(verifyNonInclusion(EMPTY_DATASET_ROOT, { ...proof, predecessor: bracket })).toBe(false);
  });

  it("handles a single-element set from both sides", () => {
    const tree = treeOf(1);
    const below = proveNonInclusion(tree, step(h(0), -1n));
    const above = proveNonInclusion(tree, step(h(0), 1n));
    expect(below.predecessor).toBeNull();
    expect(below.successor).toMatchObject({ index: 0, leafCount: 1 });
    expect(above.successor).toBeNull();
    expect(above.predecessor).toMatchObject({ index: 0, leafCount: 1 });
    expect(verifyNonInclusion(tree.root, below)).toBe(true);
    expect(verifyNonInclusion(tree.root, above)).toBe(true);
    expect(verifyNonInclusion(tree.root, { ...below, recordHash: h(0) })).toBe(false);
    expect(verifyNonInclusion(tree.root, { ...above, recordHash: h(0) })).toBe(false);
  });

  describe("rejects tampered proofs", () => {
    const n = 9;
    const tree = treeOf(n);
    const sorted = tree.recordHashes;
    const at = (i: number) => proveInclusion(tree, sorted[i] as Hex);
    const between = (i: number) => step(sorted[i] as Hex, 1n); // strictly between leaves i and i + 1
    const middle = proveNonInclusion(tree, between(3));
    const low = proveNonInclusion(tree, MIN);
    const high = proveNonInclusion(tree, MAX);

    it("accepts the untampered ones", () => {
      for (const proof of [middle, low, high]) expect(verifyNonInclusion(tree.root, proof)).toBe(true);
      expect(middle.predecessor?.index).toBe(3);
    });

    const cases: [string, () => NonInclusionProof, Hex?][] = [
      ["non-adjacent brackets around an absent hash", () => ({ ...middle, successor: at(5) })],
      ["non-adjacent brackets skipping a member", () => ({ recordHash: sorted[4] as Hex, leafCount: n, predecessor: at(3), successor: at(5) })],
      ["a bracket proof reused for its predecessor leaf (a member)", () => ({ ...middle, recordHash: sorted[3] as Hex })],
      ["a bracket proof reused for its successor leaf (a member)", () => ({ ...middle, recordHash: sorted[4] as Hex })],
      ["a recordHash above the successor", () => ({ ...middle, recordHash: between(6) })],
      ["a recordHash below the predecessor", () => ({ ...middle, recordHash: step(sorted[3] as Hex, -1n) })],
      ["swapped brackets", () => ({ ...middle, predecessor: middle.successor, successor: middle.predecessor })],
      ["a changed sibling in the predecessor", () => ({ ...middle, predecessor: { ...at(3), siblings: [flip(at(3).siblings[0] as Hex), ...at(3).siblings.slice(1)] } })],
      ["a changed sibling in the successor", () => ({ ...middle, successor: { ...at(4), siblings: [...at(4).siblings.slice(0, -1), flip(at(4).siblings.at(-1) as Hex)] } })],
      ["a changed predecessor index", () => ({ ...middle, predecessor: { ...at(3), index: 2 } })],
      ["a changed successor index", () => ({ ...middle, successor: { ...at(4), index: 5 } })],
      ["a changed top-level leafCount", () => ({ ...middle, leafCount: n + 1 })],
      ["a bracket leafCount that disagrees", () => ({ ...middle, successor: { ...at(4), leafCount: n + 1 } })],
      ["a top-level leafCount lowered so leaf n - 2 looks last", () => ({ ...high, recordHash: between(n - 2), leafCount: n - 1, predecessor: at(n - 2) })],
      ["a top-level leafCount raised above the brackets' count", () => ({ ...middle, leafCount: n + 5 })],
      ["a dropped successor in the middle", () => ({ ...middle, successor: null })],
      ["a dropped predecessor in the middle", () => ({ ...middle, predecessor: null })],
      ["no brackets in a non-empty tree", () => ({ ...middle, predecessor: null, successor: null })],
      ["an empty-tree claim for a non-empty tree", () => ({ ...middle, leafCount: 0, predecessor: null, successor: null })],
      ["a 'below the minimum' proof with leaf 1", () => ({ ...low, recordHash: between(0), successor: at(1) })],
      ["an 'above the maximum' proof with leaf n - 2", () => ({ ...high, recordHash: between(n - 2), predecessor: at(n - 2) })],
      ["a 'below the minimum' proof for the minimum", () => ({ ...low, recordHash: sorted[0] as Hex })],
      ["an 'above the maximum' proof for the maximum", () => ({ ...high, recordHash: sorted[n - 1] as Hex })],
      ["a bracket from another tree", () => ({ ...middle, predecessor: proveInclusion(treeOf(n + 1), sorted[3] as Hex) })],
      ["the wrong root", () => middle, flip(tree.root)],
      ["another tree's root", () => middle, treeOf(n + 1).root],
    ];
    it.each(cases)("%s", (_name, make, root) => {
      expect(verifyNonInclusion(root ?? tree.root, make())).toBe(false);
    });
  });

  it("cannot be built for a member or from bad hex", () => {
    expect(() => proveNonInclusion(treeOf(3), h(1))).toThrow(fedError("INVALID_PROOF"));
    expect(() => proveNonInclusion(treeOf(3), "0xnothex" as Hex)).toThrow(fedError("INVALID_PROOF"));
  });

  const good = () => proveNonInclusion(treeOf(5), MIN);
  const malformed: [string, () => unknown][] = [
    ["null", () => null],
    ["a number", () => 7],
    ["a bad recordHash", () => ({ ...good(), recordHash: "0x00" })],
    ["a missing recordHash", () => ({ leafCount: 5, predecessor: null, successor: good().successor })],
    ["a negative leafCount", () => ({ ...good(), leafCount: -1 })],
    ["a string leafCount", () => ({ ...good(), leafCount: "5" })],
    ["an undefined predecessor", () => ({ ...good(), predecessor: undefined })],
    ["a missing successor", () => ({ recordHash: MIN, leafCount: 5, predecessor: null })],
    ["a string bracket", () => ({ ...good(), successor: "proof" })],
    ["a bracket with a bad sibling", () => ({ ...good(), successor: { ...good().successor, siblings: ["0x"] } })],
    ["a bracket with a fractional index", () => ({ ...good(), successor: { ...good().successor, index: 0.5 } })],
  ];
  it.each(malformed)("throws INVALID_PROOF for a proof with %s", (_name, make) => {
    expect(() => verifyNonInclusion(treeOf(5).root, make() as NonInclusionProof)).toThrow(fedError("INVALID_PROOF"));
  });

  it("throws INVALID_PROOF for a malformed root", () => {
    expect(() => verifyNonInclusion("0xabc" as Hex, good())).toThrow(fedError("INVALID_PROOF"));
  });
});
