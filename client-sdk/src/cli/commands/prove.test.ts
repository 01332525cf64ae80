import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeIdx } from "../../data/idxFormat.ts";
import { loadCsvDataset } from "../../data/loadCsv.ts";
import { datasetFingerprint } from "../../dataset/merkle.ts";
import { checkDatasetProof } from "../../dataset/proofFile.ts";
import { recordHash } from "../../dataset/recordHash.ts";
import { loadRecord } from "../loadRecord.ts";
import { parseDatasetSpec } from "../parseDatasetSpec.ts";
import { parseRecordSpec } from "../parseRecordSpec.ts";
import { proveCommand } from "./prove.ts";

let dir: string;
const file = (name: string) => join(dir, name);
const csv = { labelColumn: "label" };
const dataset = () => parseDatasetSpec(`csv:${file("data.csv")}`, csv);
const record = (text: string) => parseRecordSpec(text, csv);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fedledger-prove-"));
  await writeFile(file("data.csv"), "x,y,label\n0.5,1,cat\n-2,3.25,dog\n7,8,cat\n");
  await writeFile(file("row1.csv"), "x,y,label\n-2,3.25,dog\n");
  await writeFile(file("absent.csv"), "x,y,label\n-2,3.25,cat\n");
  await writeFile(file("two.csv"), "x,y,label\n-2,3.25,dog\n7,8,cat\n");
  await writeFile(file("bird.csv"), "x,y,label\n1,1,bird\n");
  await writeFile(file("row1.json"), JSON.stringify({ label: 1, features: [-2, 3.25] }));
  await writeFile(file("named.json"), JSON.stringify({ label: "dog", features: [[-2], [3.25]] }));
  await writeFile(file("wide.json"), JSON.stringify({ label: 0, features: [1, 2, 3] }));
  await writeFile(file("bad.json"), JSON.stringify({ label: 0, features: [1, "2"] }));
});

describe("fedledger prove", () => {
  it("include: a record given by index, as a one-row csv file or as JSON has one hash, in the dataset's commitment", async () => {
    const data = await loadCsvDataset(file("data.csv"), csv);
    const expected = recordHash(1, [-2, 3.25]); // "dog" is class 1 of [cat, dog]
    for (const text of ["index:1", `csv:${file("row1.csv")}`, `json:${file("row1.json")}`, `json:${file("named.json")}`]) {
      const { proof } = await proveCommand({ kind: "inclusion", record: record(text), dataset: dataset() });
      expect(proof, text).toMatchObject({ kind: "inclusion", recordHash: expected, commitment: datasetFingerprint(data) });
      expect(checkDatasetProof(proof, datasetFingerprint(data)).every((c) => c.ok)).toBe(true);
    }
  });

  it("writes the proof to --out: hashes only, never the record", async () => {
    const out = file("proof.json");
    const result = await proveCommand({ kind: "inclusion", record: record("index:2"), dataset: dataset(), out });
    const text = await readFile(out, "utf8");
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(result.proof)));
    expect(text).not.toMatch(/cat|"7"|\b8\b/);
  });

  it("exclude: a record not in the dataset (the same features, another label) is proven absent", async () => {
    const { proof } = await proveCommand({ kind: "non-inclusion", record: record(`csv:${file("absent.csv")}`), dataset: dataset() });
    expect(proof).toMatchObject({ kind: "non-inclusion", recordHash: recordHash(0, [-2, 3.25]) });
    expect(checkDatasetProof(proof, proof.commitment).every((c) => c.ok)).toBe(true);
  });

  it("fails clearly: include of an absent record, exclude of a present one (INVALID_PROOF)", async () => {
    await expect(proveCommand({ kind: "inclusion", record: record(`csv:${file("absent.csv")}`), dataset: dataset() })).rejects.toMatchObject({
      code: "INVALID_PROOF",
      shortMessage: expect.stringMatching(/is not in csv:.*: there is no inclusion proof/),
    });
    await expect(proveCommand({ kind: "non-inclusion", record: record("index:0"), dataset: dataset() })).rejects.toMatchObject({
      code: "INVALID_PROOF",
      shortMessage: expect.stringMatching(/is in csv:.*: there is no exclusion proof/),
    });
  });

  it("refuses records that cannot be one of the dataset's: other width, unknown class, several rows, bad JSON, index out of range", async () => {
    const prove = (text: string) => proveCommand({ kind: "non-inclusion", record: record(text), dataset: dataset() });
    await expect(prove(`json:${file("wide.json")}`)).rejects.toMatchObject({ code: "INVALID_DATASET", shortMessage: expect.stringContaining("has 3 features") });
    await expect(prove(`csv:${file("bird.csv")}`)).rejects.toMatchObject({ code: "INVALID_DATASET", shortMessage: expect.stringContaining("not one of the dataset's classes") });
    await expect(prove(`csv:${file("two.csv")}`)).rejects.toMatchObject({ code: "INVALID_DATASET", shortMessage: expect.stringContaining("holds 2 records") });
    await expect(prove(`json:${file("bad.json")}`)).rejects.toMatchObject({ code: "INVALID_DATASET" });
    await expect(prove("index:3")).rejects.toMatchObject({ code: "INVALID_CONFIG", details: expect.stringContaining("index:0 to index:2") });
  });

  it("records in IDX form; without a dataset, index:N is refused and text labels need class names", async () => {
    const images = file("one-images.idx");
    const labels = file("one-labels.idx");
    await writeFile(images, encodeIdx({ dtype: "float", dims: [1, 2], data: Float32Array.from([-2, 3.25]) }));
    await writeFile(labels, encodeIdx({ dtype: "ubyte", dims: [1], data: Uint8Array.from([1]) }));
    expect((await loadRecord(parseRecordSpec(`idx:${images},${labels}`))).hash).toBe(recordHash(1, [-2, 3.25]));

    await expect(loadRecord(record("index:0"))).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    await expect(loadRecord(record(`csv:${file("row1.csv")}`))).rejects.toMatchObject({ code: "INVALID_DATASET", shortMessage: expect.stringContaining("is not a class index") });
    expect((await loadRecord(record(`csv:${file("row1.csv")}`), { classNames: ["cat", "dog"] })).hash).toBe(recordHash(1, [-2, 3.25]));
  });

  it("RECORD forms: index:N, json:FILE, csv:FILE, idx:IMAGES,LABELS; anything else is INVALID_CONFIG", () => {
    expect(parseRecordSpec("index:12")).toEqual({ kind: "index", index: 12 });
    expect(parseRecordSpec("json:r.json")).toEqual({ kind: "json", path: "r.json" });
    expect(parseRecordSpec("idx:a,b", csv)).toEqual({ kind: "file", spec: { kind: "idx", imagesPath: "a", labelsPath: "b" } });
    for (const bad of ["index:", "index:-1", "index:1.5", "json:", "mnist", "row:3", "0x12"]) {
      expect(() => parseRecordSpec(bad, csv), bad).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    }
  });
});
