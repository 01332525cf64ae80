import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeIdx } from "../../../client-sdk/src/data/idxFormat.ts";
import { isFedLedgerError, parseModelSpec } from "@fedledger/client-sdk";
import { TINY_SPEC } from "../../../test/fixtures/coordinatorHarness.ts";
import { parseCoordinatorConfig } from "./coordinatorConfig.ts";
import { loadEvaluationData } from "./evaluationData.ts";

const base = {
  chain: { rpcUrl: "http://127.0.0.1:8545", ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
  model: { spec: TINY_SPEC },
  training: { epochs: 1, batchSize: 8, learningRate: 0.1 },
};
const evaluationOf = (evaluation: Record<string, unknown>) => parseCoordinatorConfig({ ...base, evaluation }).evaluation!;
const spec = parseModelSpec(TINY_SPEC);

/** Rows of 4 features (row r: r, r+0.25, r+0.5, r+0.75) and labels r mod `classes`. */
function rows(count: number, width = 4, classes = 3) {
  const features = Float32Array.from({ length: count * width }, (_, i) => Math.floor(i / width) + (i % width) / 4);
  const labels = Uint8Array.from({ length: count }, (_, r) => r % classes);
  return { features, labels };
}

async function writeIdx(dir: string, count: number, width = 4, classes = 3): Promise<string> {
  const { features, labels } = rows(count, width, classes);
  const images = join(dir, `images-${count}-${width}-${classes}.idx`);
  const labelsPath = join(dir, `labels-${count}-${width}-${classes}.idx`);
  await writeFile(images, encodeIdx({ dtype: "float", dims: [count, width], data: features }));
  await writeFile(labelsPath, encodeIdx({ dtype: "ubyte", dims: [count], data: labels }));
  return `idx:${images},${labelsPath}`;
}

async function writeCsv(dir: string, count: number): Promise<string> {
  const { features, labels } = rows(count);
  const lines = ["a,b,label,c,d"];
  for (let r = 0; r < count; r++) {
    const [a, b, c, d] = features.subarray(r * 4, r * 4 + 4);
    lines.push(`${a},${b},${labels[r]},${c},${d}`);
  }
  const path = join(dir, "eval.csv");
  await writeFile(path, `${lines.join("\n")}\n`);
  return `csv:${path}`;
}

/** The first feature of each row: row r holds r there, so it names the row. */
const rowIds = (features: Float32Array) => Array.from({ length: features.length / 4 }, (_, r) => features[r * 4]!).sort((x, y) => x - y);

describe("evaluation data from a dataset spec", () => {
  it("defaults the held-out share: 15% of the mnist digits, all of a file", () => {
    expect(evaluationOf({ dataset: "mnist" })).toEqual({ dataset: "mnist", testFraction: 0.15, seed: 7 });
    expect(evaluationOf({ dataset: "idx:a.idx,b.idx" })).toEqual({ dataset: "idx:a.idx,b.idx", testFraction: 1, seed: 7 });
    expect(evaluationOf({ dataset: "csv:e.csv", labelColumn: "y", testFraction: 0.5, seed: 3 })).toEqual({ dataset: "csv:e.csv", labelColumn: "y", testFraction: 0.5, seed: 3 });
  });

  it("reports a spec the participant CLI would refuse at evaluation.dataset, with the other problems", () => {
    for (const [evaluation, text] of [
      [{ dataset: "parquet:e.pq" }, "Unknown dataset spec"],
      [{ dataset: "csv:e.csv" }, "needs --label-column"],
      [{ dataset: "idx:only-one.idx" }, "idx:IMAGES_PATH,LABELS_PATH"],
      [{ dataset: "mnist", labelColumn: "y" }, "csv datasets only"],
    ] as const) {
      let caught: unknown;
      try {
        parseCoordinatorConfig({ ...base, server: { port: -1 }, evaluation });
      } catch (error) {
        caught = error;
      }
      expect(isFedLedgerError(caught, "INVALID_CONFIG")).toBe(true);
      const lines = (isFedLedgerError(caught) ? caught.details ?? "" : "").split("\n");
      expect(lines.some((l) => l.startsWith("server.port: "))).toBe(true);
      expect(lines.find((l) => l.startsWith("evaluation.dataset: "))).toContain(text);
    }
  });

  it("loads an IDX pair whole, or its seeded held-out share", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fedledger-eval-"));
    const dataset = await writeIdx(dir, 40);
    const all = await loadEvaluationData(evaluationOf({ dataset }), spec);
    expect(all).toMatchObject({ numSamples: 40, featureShape: [4] });
    expect(rowIds(all.features)).toEqual(Array.from({ length: 40 }, (_, r) => r));
    // Labels stay with their rows.
    for (let i = 0; i < 40; i++) expect(all.labels[i]).toBe(all.features[i * 4]! % 3);

    const quarter = await loadEvaluationData(evaluationOf({ dataset, testFraction: 0.25, seed: 11 }), spec);
    expect(quarter.numSamples).toBe(10);
    expect(await loadEvaluationData(evaluationOf({ dataset, testFraction: 0.25, seed: 11 }), spec)).toEqual(quarter);
    const other = await loadEvaluationData(evaluationOf({ dataset, testFraction: 0.25, seed: 12 }), spec);
    expect(rowIds(other.features)).not.toEqual(rowIds(quarter.features));
  });

  it("loads a CSV with its label column, as `fedledger fingerprint` would", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fedledger-eval-"));
    const data = await loadEvaluationData(evaluationOf({ dataset: await writeCsv(dir, 30), labelColumn: "label" }), spec);
    expect(data).toMatchObject({ numSamples: 30, featureShape: [4] });
    expect(rowIds(data.features)).toEqual(Array.from({ length: 30 }, (_, r) => r));
    for (let i = 0; i < 30; i++) expect(data.labels[i]).toBe(data.features[i * 4]! % 3);
  });

  it("refuses at start data that does not fit the model, naming both shapes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fedledger-eval-"));
    const wide = loadEvaluationData(evaluationOf({ dataset: await writeIdx(dir, 12, 5) }), spec);
    await expect(wide).rejects.toMatchObject({ code: "SHAPE_MISMATCH", shortMessage: expect.stringMatching(/\[5\].*\[4\]/) });
    const classes = loadEvaluationData(evaluationOf({ dataset: await writeIdx(dir, 12, 4, 5) }), spec);
    await expect(classes).rejects.toMatchObject({ code: "SHAPE_MISMATCH", shortMessage: expect.stringContaining("5 classes") });
    await expect(loadEvaluationData(evaluationOf({ dataset: `idx:${join(dir, "none")},${join(dir, "none")}` }), spec)).rejects.toMatchObject({ code: "INVALID_DATASET" });
  });
});
