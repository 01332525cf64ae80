import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { buildMerkleTree } from "./merkle.ts";
import { checkDatasetProof, createDatasetProof, type DatasetProof, parseDatasetProof } from "./proofFile.ts";
import { recordHash } from "./recordHash.ts";

const hashes = Array.from({ length: 11 }, (_, i) => recordHash(i % 3, [i, i / 2, -i]));
const tree = buildMerkleTree(hashes);
const other = buildMerkleTree(hashes.slice(0, 7));
const absent = recordHash(1, [100, 100, 100]);
/** The proof as its file reads back. */
const reread = (proof: DatasetProof): DatasetProof => parseDatasetProof(JSON.parse(JSON.stringify(proof)));
const failed = (proof: DatasetProof, root: Hex) =>
  checkDatasetProof(proof, root)
    .filter((c) => !c.ok)
    .map((c) => c.name);
const flip = (hash: Hex): Hex => `${hash.slice(0, -1)}${hash.endsWith("0") ? "1" : "0"}` as Hex;

describe("dataset proof files", () => {
  it("an inclusion and an exclusion proof pass every check against their commitment, and hold no record", () => {
    const include = reread(createDatasetProof(tree, "inclusion", hashes[4]!));
    const exclude = reread(createDatasetProof(tree, "non-inclusion", absent));
    expect(include).toMatchObject({ format: "fedledger-dataset-proof", version: 1, kind: "inclusion", commitment: tree.root, recordHash: hashes[4] });
    expect(exclude).toMatchObject({ kind: "non-inclusion", recordHash: absent, proof: { recordHash: absent, leafCount: 11 } });
    for (const proof of [include, exclude]) expect(checkDatasetProof(proof, tree.root).map((c) => [c.name, c.ok])).toEqual([
      ["commitment", true],
      ["record hash", true],
      ["merkle path", true],
    ]);
    expect(Object.keys(include.proof).sort()).toEqual(["index", "leaf", "leafCount", "siblings"]);
  });

  it("refuses a flipped sibling, a swapped record hash, and another dataset's commitment", () => {
    const include = createDatasetProof(tree, "inclusion", hashes[4]!);
    if (include.kind !== "inclusion") throw new Error("unreachable");
    const siblings = [...include.proof.siblings];
    siblings[1] = flip(siblings[1]!);
    expect(failed({ ...include, proof: { ...include.proof, siblings } }, tree.root)).toEqual(["merkle path"]);
    // The envelope's record hash swapped for another record of the set: its path is for the first one.
    expect(failed({ ...include, recordHash: hashes[5]! }, tree.root)).toEqual(["record hash"]);
    // Leaf and record hash swapped together: the path no longer leads to the root.
    expect(failed({ ...include, recordHash: hashes[5]!, proof: { ...include.proof, leaf: hashes[5]! } }, tree.root)).toEqual(["merkle path"]);
    // Checked against another commitment (even one naming it in the envelope), it fails.
    expect(failed(include, other.root)).toEqual(["commitment", "merkle path"]);
    expect(failed({ ...include, commitment: other.root }, other.root)).toEqual(["merkle path"]);

    const exclude = createDatasetProof(tree, "non-inclusion", absent);
    if (exclude.kind !== "non-inclusion") throw new Error("unreachable");
    // Claiming the absence of a record the set holds, with the brackets of another.
    expect(failed({ ...exclude, recordHash: hashes[2]!, proof: { ...exclude.proof, recordHash: hashes[2]! } }, tree.root)).toEqual(["merkle path"]);
    expect(failed({ ...exclude, recordHash: hashes[2]! }, tree.root)).toEqual(["record hash"]);
  });

  it("parse refuses anything but a version 1 proof file (INVALID_PROOF)", () => {
    const good = JSON.parse(JSON.stringify(createDatasetProof(tree, "inclusion", hashes[0]!))) as Record<string, unknown>;
    for (const bad of [null, [], { ...good, format: "other" }, { ...good, version: 2 }, { ...good, kind: "maybe" }, { ...good, recordHash: "0x12" }, { ...good, record: [1, 2] }, { ...good, proof: [] }]) {
      expect(() => parseDatasetProof(bad)).toThrow(expect.objectContaining({ code: "INVALID_PROOF" }));
    }
    // A malformed proof body is INVALID_PROOF when checked.
    const body = parseDatasetProof({ ...good, proof: { leaf: hashes[0], index: -1, leafCount: 11, siblings: [] } });
    expect(() => checkDatasetProof(body, tree.root)).toThrow(expect.objectContaining({ code: "INVALID_PROOF" }));
  });
});
