import { createHash } from "node:crypto";
import fc from "fast-check";
import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { createDataset, shuffleDataset, subsetDataset } from "../data/Dataset.ts";
import { loadMnistDigits } from "../data/loadMnistDigits.ts";
import type { ErrorCode } from "../errors/codes.ts";
import { buildMerkleTree, datasetFingerprint } from "./merkle.ts";
import { EMPTY_DATASET_ROOT, hashLeaf, hashNode, hashRoot } from "./merkleHash.ts";
import { datasetRecordHashes, recordHash } from "./recordHash.ts";

const fedError = (code: ErrorCode) => expect.objectContaining({ name: "FedLedgerError", code });
const sha = (...parts: Uint8Array[]): Hex => {
  const hash = createHash("sha256");
  for (const p of parts) hash.update(p);
  return `0x${hash.digest("hex")}`;
};
const bytes = (h: Hex) => Buffer.from(h.slice(2), "hex");
/** h(i) = SHA-256 of the single byte i. */
const h = (i: number): Hex => sha(Uint8Array.from([i]));
const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b): Hex => `0x${Buffer.from(b).toString("hex")}`);

describe("node hashes", () => {
  it("are domain-separated SHA-256 as documented", () => {
    const a = h(1);
    const b = h(2);
    expect(hashLeaf(a)).toBe(sha(Uint8Array.from([0]), bytes(a)));
    expect(hashNode(a, b)).toBe(sha(Uint8Array.from([1]), bytes(a), bytes(b)));
    expect(hashRoot(3, a)).toBe(sha(Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 3]), bytes(a)));
    expect(hashLeaf(a)).not.toBe(sha(bytes(a)));
    expect(hashNode(a, b)).not.toBe(hashNode(b, a));
  });

  it("gives the documented empty-set root", () => {
    // SHA-256(0x02 || 00 00 00 00 00 00 00 00), computed independently.
    expect(EMPTY_DATASET_ROOT).toBe("0x4322fd2bc0a137d1375b37b3b2e2b4715b3d3dd7ca9682438d4fea0f8437fad3");
    expect(buildMerkleTree([]).root).toBe(EMPTY_DATASET_ROOT);
  });
});

describe("buildMerkleTree", () => {
  // Roots computed independently (Python hashlib) for the sets {h(0)}, {h(0), h(1)}, ...
  it.each([
    [1, "0x817df08b86399f2ca90ba10f30b5a43052749da88aa8ed6a7f901e685c542d75"],
    [2, "0xabcbd0545929d45c3625e4691747450460616d3a0072a51e17f8831214f84ff4"],
    [3, "0x8b17748301b58196afea7d921e34923e1602a7bf8f85ee08245efc62a9e3db03"],
    [5, "0x01589531972657e5806685ea085afbc0a7c32b5ff9d28643784e452c584e3606"],
  ])("matches the reference root for %s leaves", (n, root) => {
    expect(buildMerkleTree(Array.from({ length: n }, (_, i) => h(i))).root).toBe(root);
  });

  it("sorts, de-duplicates and lowercases the record hashes, and promotes odd nodes", () => {
    const hashes = [h(2), h(0), h(1), h(0), h(2).toUpperCase().replace("0X", "0x") as Hex];
    const tree = buildMerkleTree(hashes);
    const sorted = [h(0), h(1), h(2)].sort();
    expect(tree.recordHashes).toEqual(sorted);
    expect(tree.leafCount).toBe(3);
    const leaves = sorted.map(hashLeaf);
    expect(tree.layers).toEqual([leaves, [hashNode(leaves[0] as Hex, leaves[1] as Hex), leaves[2]], [hashNode(hashNode(leaves[0] as Hex, leaves[1] as Hex), leaves[2] as Hex)]]);
    expect(tree.root).toBe(hashRoot(3, tree.layers[2]?.[0] as Hex));
  });

  it("is a single leaf for one record", () => {
    const tree = buildMerkleTree([h(9)]);
    expect(tree.layers).toEqual([[hashLeaf(h(9))]]);
    expect(tree.root).toBe(hashRoot(1, hashLeaf(h(9))));
  });

  it("is frozen", () => {
    const tree = buildMerkleTree([h(1), h(2)]);
    expect(Object.isFrozen(tree)).toBe(true);
    expect(Object.isFrozen(tree.recordHashes)).toBe(true);
    expect(Object.isFrozen(tree.layers[0])).toBe(true);
  });

  it("depends only on the set: order, duplicates and hex case do not matter", () => {
    const setAndPermutation = fc
      .array(hashArb, { maxLength: 64 })
      .chain((hashes) => fc.tuple(fc.constant(hashes), fc.shuffledSubarray(hashes, { minLength: hashes.length, maxLength: hashes.length })));
    fc.assert(
      fc.property(setAndPermutation, ([hashes, permuted]) => {
        const root = buildMerkleTree(hashes).root;
        expect(buildMerkleTree(permuted).root).toBe(root);
        expect(buildMerkleTree([...permuted, ...hashes.slice(0, 3)]).root).toBe(root);
        expect(buildMerkleTree(hashes.map((x) => `0x${x.slice(2).toUpperCase()}` as Hex)).root).toBe(root);
      }),
    );
  });

  it("changes when the set changes (including its size)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(hashArb, { minLength: 1, maxLength: 40 }), (hashes) => {
        const root = buildMerkleTree(hashes).root;
        expect(buildMerkleTree(hashes.slice(1)).root).not.toBe(root);
        expect(buildMerkleTree([...hashes, h(0)]).root === root).toBe(hashes.includes(h(0)));
      }),
    );
  });

  it.each([["0x1234"], [`${h(0)}00`], [h(0).slice(2)], [`0x${"zz".repeat(32)}`], [42 as unknown as string]])(
    "rejects record hash %j with INVALID_DATASET",
    (bad) => {
      expect(() => buildMerkleTree([h(1), bad as Hex])).toThrow(fedError("INVALID_DATASET"));
    },
  );
});

describe("datasetFingerprint", () => {
  const ds = createDataset({
    features: Float32Array.from({ length: 40 }, (_, i) => i / 4),
    labels: Int32Array.from({ length: 20 }, (_, i) => i % 3),
    featureShape: [2],
  });

  it("is the root over the dataset's record hashes", () => {
    expect(datasetFingerprint(ds)).toBe(buildMerkleTree(datasetRecordHashes(ds)).root);
    expect(datasetFingerprint(ds)).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("does not depend on record order or duplicate records", () => {
    const fingerprint = datasetFingerprint(ds);
    expect(datasetFingerprint(shuffleDataset(ds, 1))).toBe(fingerprint);
    expect(datasetFingerprint(subsetDataset(ds, [...Array.from({ length: 20 }, (_, i) => 19 - i), 0, 0, 7]))).toBe(fingerprint);
  });

  it("changes with a feature value, a label, or a missing record", () => {
    const fingerprint = datasetFingerprint(ds);
    const features = Float32Array.from(ds.features);
    features[5] = 100;
    expect(datasetFingerprint({ ...ds, features })).not.toBe(fingerprint);
    const labels = Int32Array.from(ds.labels);
    labels[0] = 2;
    expect(datasetFingerprint({ ...ds, labels })).not.toBe(fingerprint);
    expect(datasetFingerprint(subsetDataset(ds, Array.from({ length: 19 }, (_, i) => i)))).not.toBe(fingerprint);
  });

  it("is the empty root for an empty dataset", () => {
    expect(datasetFingerprint(subsetDataset(ds, []))).toBe(EMPTY_DATASET_ROOT);
  });

  it("contains exactly the dataset's records", () => {
    const tree = buildMerkleTree(datasetRecordHashes(ds));
    // Sample i is label i % 3 with features [i / 2, i / 2 + 1 / 4].
    expect(tree.recordHashes).toContain(recordHash(1, [0.5, 0.75]));
    expect(tree.recordHashes).not.toContain(recordHash(2, [0.5, 0.75]));
    expect(tree.leafCount).toBe(20);
  });

  it("fingerprints the 10,000 mnist digits well under a second", async () => {
    const digits = await loadMnistDigits();
    datasetFingerprint(subsetDataset(digits, [0, 1, 2])); // warm up
    const start = performance.now();
    const fingerprint = datasetFingerprint(digits);
    const elapsed = performance.now() - start;
    expect(fingerprint).toBe(datasetFingerprint(shuffleDataset(digits, 5)));
    expect(elapsed).toBeLessThan(1000);
  });
});
