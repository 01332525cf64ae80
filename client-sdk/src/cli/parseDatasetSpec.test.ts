import { describe, expect, it } from "vitest";
import { MNIST_DIGITS_COUNT } from "../data/loadMnistDigits.ts";
import { describeDatasetSpec, parseDatasetSpec } from "./parseDatasetSpec.ts";

const invalid = expect.objectContaining({ code: "INVALID_CONFIG" });

describe("parseDatasetSpec", () => {
  it("parses mnist, mnist:COUNT, idx and csv specs", () => {
    expect(parseDatasetSpec("mnist")).toEqual({ kind: "mnist", count: MNIST_DIGITS_COUNT });
    expect(parseDatasetSpec("mnist:250")).toEqual({ kind: "mnist", count: 250 });
    expect(parseDatasetSpec("idx:/data/train-images.gz,/data/train-labels.gz")).toEqual({
      kind: "idx",
      imagesPath: "/data/train-images.gz",
      labelsPath: "/data/train-labels.gz",
    });
    expect(parseDatasetSpec("csv:C:/data/iris.csv", { labelColumn: "species" })).toEqual({
      kind: "csv",
      path: "C:/data/iris.csv",
      options: { labelColumn: "species" },
    });
    expect(
      parseDatasetSpec("csv:x.csv", { labelColumn: "4", featureColumns: "0, 2,petal", header: false, delimiter: "\\t" }),
    ).toEqual({ kind: "csv", path: "x.csv", options: { labelColumn: 4, featureColumns: [0, 2, "petal"], header: false, delimiter: "\t" } });
  });

  it("refuses unknown and malformed specs with INVALID_CONFIG", () => {
    for (const spec of ["", "mnst", "parquet:x", "mnist:", "mnist:-1", "mnist:1.5", `mnist:${MNIST_DIGITS_COUNT + 1}`, "idx:", "idx:a", "idx:a,b,c", "idx:,b", "csv:"]) {
      expect(() => parseDatasetSpec(spec, spec.startsWith("csv") ? { labelColumn: "y" } : {}), spec).toThrow(invalid);
    }
    expect(() => parseDatasetSpec("parquet:x")).toThrow(expect.objectContaining({ shortMessage: 'Unknown dataset spec "parquet:x"' }));
  });

  it("needs a label column for csv and refuses csv options elsewhere", () => {
    expect(() => parseDatasetSpec("csv:x.csv")).toThrow(invalid);
    expect(() => parseDatasetSpec("csv:x.csv", { labelColumn: " " })).toThrow(invalid);
    expect(() => parseDatasetSpec("csv:x.csv", { labelColumn: "y", featureColumns: "a,,b" })).toThrow(invalid);
    expect(() => parseDatasetSpec("mnist", { labelColumn: "y" })).toThrow(invalid);
    expect(() => parseDatasetSpec("mnist", { header: false })).toThrow(invalid);
    expect(parseDatasetSpec("mnist", { header: true })).toEqual({ kind: "mnist", count: MNIST_DIGITS_COUNT });
  });

  it("writes specs back in command-line form", () => {
    for (const spec of ["mnist", "mnist:12", "idx:a,b"]) expect(describeDatasetSpec(parseDatasetSpec(spec))).toBe(spec);
    expect(describeDatasetSpec(parseDatasetSpec("csv:d.csv", { labelColumn: "y" }))).toBe("csv:d.csv");
  });
});
