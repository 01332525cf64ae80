import type { Hex } from "viem";
import type { CsvDataset } from "../data/loadCsv.ts";
import { type Dataset, featureSize } from "../data/Dataset.ts";
import { readDataFile } from "../data/readDataFile.ts";
import { recordHash } from "../dataset/recordHash.ts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { loadDatasetSpec } from "./loadDatasetSpec.ts";
import { describeDatasetSpec } from "./parseDatasetSpec.ts";
import type { RecordSpec } from "./parseRecordSpec.ts";

/** A record resolved to its canonical form's hash (recordHash.ts); the record itself is not kept. */
export type LoadedRecord = {
  readonly hash: Hex;
  /** The class index the record hashes with. */
  readonly label: number;
  readonly featureCount: number;
  /** Where it came from, for messages: `sample 3 of csv:data.csv`, `json:r.json`, ... */
  readonly source: string;
};

export type RecordContext = {
  /** The dataset an `index:N` record is taken from, and whose class names map a text label. */
  readonly dataset?: { readonly data: Dataset; readonly spec: string };
  /** Class names in class-index order, to map a text label when there is no dataset (verify-proof's --class-names). */
  readonly classNames?: readonly string[];
};

const CLASS_INDEX = /^\+?\d+$/;
const INTEGER = /^[+-]?\d+$/;

function invalidRecord(message: string, details?: string): FedLedgerError {
  return new FedLedgerError("INVALID_DATASET", message, details === undefined ? {} : { details });
}

/** A csv dataset's class names (its labels were text), else null: the labels are class indices. */
function classNamesOf(context: RecordContext): readonly string[] | null {
  if (context.classNames !== undefined) return context.classNames;
  const data = context.dataset?.data as Partial<CsvDataset> | undefined;
  return data?.classNames ?? null;
}

/**
 * The class index of label text `text`, as the csv loader maps labels (loadCsv.ts): with class
 * names, its position among them (compared as numbers when every name is an integer); without,
 * the text must be a class index.
 */
function labelIndex(text: string, classNames: readonly string[] | null, source: string): number {
  if (classNames === null) {
    if (CLASS_INDEX.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
    throw invalidRecord(`${source}: the label ${JSON.stringify(text.slice(0, 40))} is not a class index`, "the dataset's labels are class indices; with text labels, give the class names (verify-proof --class-names)");
  }
  const numeric = classNames.every((name) => INTEGER.test(name)) && INTEGER.test(text);
  const index = numeric ? classNames.findIndex((name) => Number(name) === Number(text)) : classNames.indexOf(text);
  if (index < 0) throw invalidRecord(`${source}: the label ${JSON.stringify(text.slice(0, 40))} is not one of the dataset's classes`, `classes: ${classNames.join(", ").slice(0, 200)}`);
  return index;
}

function flatten(value: unknown, out: number[], source: string): void {
  if (Array.isArray(value)) {
    for (const item of value) flatten(item, out, source);
  } else if (typeof value === "number" && Number.isFinite(value)) {
    out.push(value);
  } else {
    throw invalidRecord(`${source}: features must be finite numbers (nested arrays allowed)`, `got ${typeof value === "number" ? String(value) : typeof value}`);
  }
}

async function jsonRecord(path: string, context: RecordContext): Promise<{ label: number; features: number[] }> {
  const source = `json:${path}`;
  let value: unknown;
  try {
    value = JSON.parse((await readDataFile(path)).toString("utf8")) as unknown;
  } catch (cause) {
    if (cause instanceof FedLedgerError) throw cause;
    throw invalidRecord(`${source} is not JSON`, cause instanceof Error ? cause.message : String(cause));
  }
  if (typeof value !== "object" || value === null || Array.isArray(value) || !("label" in value) || !("features" in value)) {
    throw invalidRecord(`${source} must be an object { "label": CLASS_INDEX, "features": [...] }`);
  }
  const { label, features } = value as { label: unknown; features: unknown };
  if (!Array.isArray(features)) throw invalidRecord(`${source}: features must be an array`);
  const flat: number[] = [];
  flatten(features, flat, source);
  if (typeof label === "string") return { label: labelIndex(label, classNamesOf(context), source), features: flat };
  if (typeof label !== "number") throw invalidRecord(`${source}: label must be a class index (or a class name)`);
  return { label, features: flat };
}

/** The one record of a csv or IDX file, its csv label text mapped as the dataset's labels are. */
async function fileRecord(spec: Extract<RecordSpec, { kind: "file" }>["spec"], context: RecordContext): Promise<{ label: number; features: Float32Array }> {
  const source = describeDatasetSpec(spec);
  const data = await loadDatasetSpec(spec);
  if (data.numSamples !== 1) throw invalidRecord(`${source} holds ${data.numSamples} records; a record file holds exactly one`);
  const raw = data.labels[0] ?? 0;
  const names = (data as Partial<CsvDataset>).classNames ?? null;
  const label = spec.kind === "csv" ? labelIndex(names === null ? String(raw) : (names[raw] ?? ""), classNamesOf(context), source) : raw;
  return { label, features: data.features };
}

/**
 * Resolves a RECORD argument to its record hash. Throws INVALID_CONFIG for `index:N`
 * without a dataset or out of range; INVALID_DATASET for an unreadable or malformed record,
 * or a label that is not a class of the dataset.
 */
export async function loadRecord(spec: RecordSpec, context: RecordContext = {}): Promise<LoadedRecord> {
  switch (spec.kind) {
    case "index": {
      const dataset = context.dataset;
      if (dataset === undefined) throw new FedLedgerError("INVALID_CONFIG", "index:N names a sample of --dataset: give the record itself (json:FILE, csv:FILE or idx:IMAGES,LABELS)");
      const { data } = dataset;
      if (spec.index >= data.numSamples) {
        throw new FedLedgerError("INVALID_CONFIG", `index:${spec.index} is past the dataset's last sample`, { details: `${dataset.spec} has ${data.numSamples} samples (index:0 to index:${data.numSamples - 1})` });
      }
      const size = featureSize(data.featureShape);
      const label = data.labels[spec.index] ?? 0;
      const features = data.features.subarray(spec.index * size, (spec.index + 1) * size);
      return { hash: recordHash(label, features), label, featureCount: size, source: `sample ${spec.index} of ${dataset.spec}` };
    }
    case "json": {
      const { label, features } = await jsonRecord(spec.path, context);
      return { hash: recordHash(label, features), label, featureCount: features.length, source: `json:${spec.path}` };
    }
    case "file": {
      const { label, features } = await fileRecord(spec.spec, context);
      return { hash: recordHash(label, features), label, featureCount: features.length, source: describeDatasetSpec(spec.spec) };
    }
  }
}
