import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCsvDataset, type LoadCsvDatasetOptions } from "./loadCsv.ts";

let dir = "";
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fedledger-csv-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csvFile(text: string, gzip = false): Promise<string> {
  const path = join(dir, `data-${counter++}.csv${gzip ? ".gz" : ""}`);
  await writeFile(path, gzip ? gzipSync(text) : text);
  return path;
}

const IRIS = ["sepal,petal,species", "5.1,1.4,setosa", "7.0,4.7,versicolor", "6.3,6.0,virginica", "4.9,1.4,setosa", ""].join("\n");

describe("loadCsvDataset", () => {
  it.each([false, true])("loads numeric features and maps string labels by sorted value (gzip %s)", async (gzip) => {
    const ds = await loadCsvDataset(await csvFile(IRIS, gzip), { labelColumn: "species" });
    expect(ds.numSamples).toBe(4);
    expect(ds.featureShape).toEqual([2]);
    expect([...ds.features]).toEqual([5.1, 1.4, 7.0, 4.7, 6.3, 6.0, 4.9, 1.4].map(Math.fround));
    expect(ds.classNames).toEqual(["setosa", "versicolor", "virginica"]);
    expect([...ds.labels]).toEqual([0, 1, 2, 0]);
    expect(ds.numClasses).toBe(3);
  });

  it("maps labels the same way whatever the row order", async () => {
    const shuffled = ["sepal,petal,species", "6.3,6.0,virginica", "4.9,1.4,setosa", "7.0,4.7,versicolor"].join("\n");
    const ds = await loadCsvDataset(await csvFile(shuffled), { labelColumn: "species" });
    expect(ds.classNames).toEqual(["setosa", "versicolor", "virginica"]);
    expect([...ds.labels]).toEqual([2, 0, 1]);
  });

  it("uses non-negative integer labels as class indices", async () => {
    const ds = await loadCsvDataset(await csvFile("label,a,b\n3,1,2\n0,3,4\n+1,5,6\n007,7,8\n"), { labelColumn: 0 });
    expect([...ds.labels]).toEqual([3, 0, 1, 7]);
    expect(ds.numClasses).toBe(8);
    expect(ds.classNames).toBeNull();
    expect([...ds.features]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("maps signed integer labels by numeric order", async () => {
    const ds = await loadCsvDataset(await csvFile("x,y\n1,-1\n2,10\n3,-2\n4,10\n"), { labelColumn: "y" });
    expect(ds.classNames).toEqual(["-2", "-1", "10"]);
    expect([...ds.labels]).toEqual([1, 2, 0, 2]);
  });

  it("treats decimal labels as strings", async () => {
    const ds = await loadCsvDataset(await csvFile("x,y\n1,1.0\n2,1\n3,0.5\n"), { labelColumn: "y" });
    expect(ds.classNames).toEqual(["0.5", "1", "1.0"]);
    expect([...ds.labels]).toEqual([2, 1, 0]);
  });

  it("selects and orders feature columns by name or index", async () => {
    const path = await csvFile("a,b,c,label\n1,2,3,0\n4,5,6,1\n");
    const byName = await loadCsvDataset(path, { labelColumn: "label", featureColumns: ["c", "a"] });
    expect([...byName.features]).toEqual([3, 1, 6, 4]);
    expect(byName.featureShape).toEqual([2]);
    const byIndex = await loadCsvDataset(path, { labelColumn: 3, featureColumns: [1, "c"] });
    expect([...byIndex.features]).toEqual([2, 3, 5, 6]);
  });

  it("reads header-less files with a custom delimiter, quotes, spaces, CRLF and a BOM", async () => {
    const text = "\uFEFF 1.5 ; \"2\" ;cat\r\n-3e-1;.5;dog\r\n\r\n+4;0;cat\r\n";
    const ds = await loadCsvDataset(await csvFile(text), { labelColumn: 2, header: false, delimiter: ";" });
    expect([...ds.features]).toEqual([1.5, 2, -0.3, 0.5, 4, 0].map(Math.fround));
    expect([...ds.labels]).toEqual([0, 1, 0]);
  });

  it("keeps a quoted field with a line break as one field", async () => {
    const ds = await loadCsvDataset(await csvFile('x,label\n1,"multi\nline"\n2,other\n'), { labelColumn: "label" });
    expect(ds.classNames).toEqual(["multi\nline", "other"]);
  });
});

describe("loadCsvDataset failures", () => {
  // The last entry lists what the message must name (row, line, column); never its wording.
  const cases: [string, string, LoadCsvDatasetOptions, string[]][] = [
    ["a non-numeric feature", "a,b,label\n1,2,0\n3,x,1\n", { labelColumn: "label" }, ["row 2", "line 3", "column 1", '"b"']],
    ["an empty feature", "a,b,label\n1,,0\n", { labelColumn: "label" }, ["row 1", "line 2", '"b"']],
    ["a NaN feature", "a,label\nNaN,0\n", { labelColumn: "label" }, ["row 1", '"a"']],
    ["an Infinity feature", "a,label\nInfinity,0\n", { labelColumn: "label" }, ["row 1", '"a"']],
    ["a hex feature", "a,label\n0x10,0\n", { labelColumn: "label" }, ["row 1", '"a"']],
    ["a feature beyond float32", "a,label\n1e39,0\n", { labelColumn: "label" }, ["row 1", '"a"']],
    ["a feature with a unit", "a,label\n2,0\n12kg,0\n", { labelColumn: "label" }, ["row 2", '"a"']],
    ["a header-less non-numeric feature", "1,2,0\n3,?,1\n", { labelColumn: 2, header: false }, ["row 2", "line 2", "column 1"]],
    ["a missing label column name", "a,b\n1,2\n", { labelColumn: "label" }, ['"label"']],
    ["a label column index past the end", "1,2\n3,4\n", { labelColumn: 5, header: false }, ["5"]],
    ["a missing feature column", "a,label\n1,0\n", { labelColumn: "label", featureColumns: ["z"] }, ['"z"']],
    ["a ragged short row", "a,b,label\n1,2,0\n3,1\n", { labelColumn: "label" }, ["row 2", "line 3"]],
    ["a ragged long row", "1,2,0\n3,4,5,1\n", { labelColumn: 2, header: false }, ["row 2", "line 2"]],
    ["an empty label", "a,label\n1,0\n1,\n", { labelColumn: "label" }, ["row 2", "line 3", '"label"']],
    ["no data rows", "a,label\n", { labelColumn: "label" }, []],
    ["an empty file", "", { labelColumn: 0, header: false }, []],
    ["a label-only file", "label\n1\n", { labelColumn: "label" }, []],
    ["an unclosed quote", 'a,label\n"1,0\n', { labelColumn: "label" }, []],
    ["an ambiguous column name", "a,a,label\n1,2,0\n", { labelColumn: "label", featureColumns: ["a"] }, ['"a"']],
  ];
  it.each(cases)("rejects %s with INVALID_DATASET naming the file and place", async (_name, text, options, places) => {
    const path = await csvFile(text);
    const error: unknown = await loadCsvDataset(path, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: "FedLedgerError", code: "INVALID_DATASET" });
    const message = (error as Error).message;
    for (const place of [path, ...places]) expect(message).toContain(place);
  });

  it("rejects a missing file and corrupt gzip with INVALID_DATASET", async () => {
    await expect(loadCsvDataset(join(dir, "nope.csv"), { labelColumn: 0 })).rejects.toMatchObject({ code: "INVALID_DATASET" });
    const corrupt = join(dir, "corrupt.csv.gz");
    await writeFile(corrupt, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    await expect(loadCsvDataset(corrupt, { labelColumn: 0 })).rejects.toMatchObject({ code: "INVALID_DATASET" });
  });

  const badOptions: [string, LoadCsvDatasetOptions][] = [
    ["a negative label index", { labelColumn: -1 }],
    ["a fractional label index", { labelColumn: 1.5 }],
    ["an empty label name", { labelColumn: "" }],
    ["a label of the wrong type", { labelColumn: true as unknown as string }],
    ["a label name without a header", { labelColumn: "label", header: false }],
    ["a feature name without a header", { labelColumn: 0, header: false, featureColumns: ["a"] }],
    ["empty featureColumns", { labelColumn: "label", featureColumns: [] }],
    ["featureColumns holding the label", { labelColumn: "label", featureColumns: ["a", "label"] }],
    ["featureColumns holding the label by index", { labelColumn: "label", featureColumns: [2] }],
    ["a repeated feature column", { labelColumn: "label", featureColumns: ["a", 0] }],
    ["an empty delimiter", { labelColumn: "label", delimiter: "" }],
    ["a quote delimiter", { labelColumn: "label", delimiter: '"' }],
    ["a newline delimiter", { labelColumn: "label", delimiter: "\n" }],
  ];
  it.each(badOptions)("rejects %s with INVALID_CONFIG", async (_name, options) => {
    const path = await csvFile("a,b,label\n1,2,0\n");
    await expect(loadCsvDataset(path, options)).rejects.toMatchObject({ name: "FedLedgerError", code: "INVALID_CONFIG" });
  });
});
