import { CsvError } from "csv-parse";
import { parse } from "csv-parse/sync";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { createDataset, type Dataset } from "./Dataset.ts";
import { readDataFile } from "./readDataFile.ts";

/** A column by header name, or by 0-based position. */
export type CsvColumn = string | number;

export type LoadCsvDatasetOptions = {
  labelColumn: CsvColumn;
  /** Feature columns, in this order. Default: every column except the label, left to right. */
  featureColumns?: readonly CsvColumn[];
  /** Whether the first record is a header (default true). Names need a header. */
  header?: boolean;
  /** Field delimiter (default ","). */
  delimiter?: string;
};

/**
 * A dataset loaded from CSV. `classNames[i]` is the label text of class `i` when labels
 * were mapped to indices; `null` when the labels were already class indices.
 */
export type CsvDataset = Dataset & { readonly classNames: readonly string[] | null };

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const CLASS_INDEX = /^\+?\d+$/;
const INTEGER = /^[+-]?\d+$/;
const MAX_CLASS_INDEX = 2 ** 31 - 2;

function invalidConfig(message: string, details?: string): FedLedgerError {
  return new FedLedgerError("INVALID_CONFIG", message, details === undefined ? {} : { details });
}

function validateColumn(column: unknown, name: string, header: boolean): void {
  if (typeof column === "number") {
    if (!Number.isSafeInteger(column) || column < 0) throw invalidConfig(`${name} must be a non-negative integer index or a header name`, `got ${column}`);
  } else if (typeof column === "string") {
    if (column.length === 0) throw invalidConfig(`${name} must not be an empty name`);
    if (!header) throw invalidConfig(`${name} names column "${column}" but header is false`);
  } else {
    throw invalidConfig(`${name} must be a column name or index`, `got ${typeof column}`);
  }
}

/**
 * Label text to class indices, deterministically:
 * 1. every label is a non-negative decimal integer (e.g. "0", "7", "+3", "007"): used as is,
 *    `numClasses` = largest + 1, `classNames` null;
 * 2. every label is a decimal integer, some negative (e.g. "-1", "1"): distinct values sorted
 *    numerically get indices 0, 1, ...;
 * 3. otherwise: distinct label strings sorted by UTF-16 code units (JavaScript's default sort,
 *    locale independent) get indices 0, 1, ... ("1.0" and "1" are then different classes).
 */
function mapLabels(texts: readonly string[]): { labels: Int32Array; classNames: string[] | null; numClasses: number } {
  const labels = new Int32Array(texts.length);
  if (texts.every((t) => CLASS_INDEX.test(t) && Number(t) <= MAX_CLASS_INDEX)) {
    let max = -1;
    texts.forEach((t, i) => {
      const value = Number(t);
      labels[i] = value;
      if (value > max) max = value;
    });
    return { labels, classNames: null, numClasses: max + 1 };
  }
  if (texts.every((t) => INTEGER.test(t) && Number.isSafeInteger(Number(t)))) {
    const values = [...new Set(texts.map(Number))].sort((a, b) => a - b);
    const index = new Map(values.map((v, i) => [v, i]));
    texts.forEach((t, i) => {
      labels[i] = index.get(Number(t)) ?? 0;
    });
    return { labels, classNames: values.map(String), numClasses: values.length };
  }
  const names = [...new Set(texts)].sort();
  const index = new Map(names.map((n, i) => [n, i]));
  texts.forEach((t, i) => {
    labels[i] = index.get(t) ?? 0;
  });
  return { labels, classNames: names, numClasses: names.length };
}

/**
 * Loads a CSV (optionally gzipped) of numeric features and one label column.
 *
 * Fields are trimmed; blank lines and a UTF-8 BOM are skipped. A feature must be a finite
 * decimal number (`1`, `-2.5`, `.5`, `3e-2`; not empty, `NaN`, `Infinity` or hex) that is
 * also finite as float32. Labels are mapped to class indices as described in
 * {@link mapLabels}; `featureShape` is `[featureColumns.length]`.
 *
 * Throws INVALID_CONFIG for bad options, and INVALID_DATASET naming the row (1-based, data
 * rows only, with its line) and column for: an unreadable or malformed file, no data
 * rows, a missing label or feature column, a ragged row, a non-numeric feature, an empty
 * label.
 */
export async function loadCsvDataset(path: string, options: LoadCsvDatasetOptions): Promise<CsvDataset> {
  const { labelColumn, featureColumns, header = true, delimiter = "," } = options;
  validateColumn(labelColumn, "labelColumn", header);
  if (featureColumns !== undefined) {
    if (!Array.isArray(featureColumns) || featureColumns.length === 0) throw invalidConfig("featureColumns must be a non-empty array");
    featureColumns.forEach((c, i) => validateColumn(c, `featureColumns[${i}]`, header));
  }
  if (typeof delimiter !== "string" || delimiter.length === 0 || /["\r\n]/.test(delimiter)) {
    throw invalidConfig("delimiter must be a non-empty string without quotes or line breaks", `got ${JSON.stringify(delimiter)}`);
  }

  const bytes = await readDataFile(path);
  const lines: number[] = [];
  let records: string[][];
  try {
    records = parse(bytes, {
      delimiter,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      on_record: (record, context) => {
        lines.push(context.lines);
        return record;
      },
    });
  } catch (cause) {
    if (cause instanceof CsvError) {
      throw new FedLedgerError("INVALID_DATASET", `${path}: malformed CSV`, { details: cause.message, cause });
    }
    throw cause;
  }

  const headerRow = header ? records[0] : undefined;
  const dataRows = header ? records.slice(1) : records;
  const dataLines = header ? lines.slice(1) : lines;
  const width = headerRow?.length ?? dataRows[0]?.length ?? 0;
  if (dataRows.length === 0) {
    throw new FedLedgerError("INVALID_DATASET", `${path}: no data rows`);
  }
  const columnName = (index: number): string =>
    headerRow === undefined ? `column ${index}` : `column ${index} "${headerRow[index] ?? ""}"`;

  const resolve = (column: CsvColumn, role: string): number => {
    if (typeof column === "number") {
      if (column >= width) {
        throw new FedLedgerError("INVALID_DATASET", `${path}: ${role} column ${column} does not exist`, {
          details: `the file has ${width} columns`,
        });
      }
      return column;
    }
    const first = headerRow?.indexOf(column) ?? -1;
    if (first < 0) {
      throw new FedLedgerError("INVALID_DATASET", `${path}: no ${role} column named "${column}"`, {
        details: `header: ${(headerRow ?? []).join(", ")}`,
      });
    }
    if (headerRow?.indexOf(column, first + 1) !== -1) {
      throw new FedLedgerError("INVALID_DATASET", `${path}: ${role} column name "${column}" appears more than once in the header`);
    }
    return first;
  };

  const labelIndex = resolve(labelColumn, "label");
  const featureIndices =
    featureColumns === undefined
      ? Array.from({ length: width }, (_, i) => i).filter((i) => i !== labelIndex)
      : featureColumns.map((c) => resolve(c, "feature"));
  if (featureIndices.includes(labelIndex)) {
    throw invalidConfig("featureColumns must not include the label column", columnName(labelIndex));
  }
  if (new Set(featureIndices).size !== featureIndices.length) {
    throw invalidConfig("featureColumns must not repeat a column");
  }
  if (featureIndices.length === 0) {
    throw new FedLedgerError("INVALID_DATASET", `${path}: no feature columns besides the label`);
  }

  const numFeatures = featureIndices.length;
  const features = new Float32Array(dataRows.length * numFeatures);
  const labelTexts: string[] = [];
  dataRows.forEach((row, r) => {
    const where = `row ${r + 1} (line ${dataLines[r] ?? "?"})`;
    if (row.length !== width) {
      throw new FedLedgerError("INVALID_DATASET", `${path}: ${where} has ${row.length} fields, expected ${width}`);
    }
    featureIndices.forEach((c, f) => {
      const text = row[c] ?? "";
      const value = NUMBER.test(text) ? Math.fround(Number(text)) : Number.NaN;
      if (!Number.isFinite(value)) {
        throw new FedLedgerError("INVALID_DATASET", `${path}: ${where}, ${columnName(c)}: ${JSON.stringify(text)} is not a finite number`);
      }
      features[r * numFeatures + f] = value;
    });
    const label = row[labelIndex] ?? "";
    if (label.length === 0) {
      throw new FedLedgerError("INVALID_DATASET", `${path}: ${where}, ${columnName(labelIndex)}: empty label`);
    }
    labelTexts.push(label);
  });

  const { labels, classNames, numClasses } = mapLabels(labelTexts);
  const dataset = createDataset({ features, labels, featureShape: [numFeatures], numClasses });
  return { ...dataset, classNames: classNames === null ? null : Object.freeze(classNames) };
}
