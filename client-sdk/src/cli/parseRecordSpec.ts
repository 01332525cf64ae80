import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { type CsvSpecOptions, type DatasetSpec, parseDatasetSpec } from "./parseDatasetSpec.ts";

/**
 * One record named on the command line (`fedledger prove`, `verify-proof --record`):
 * - `index:N`: sample N (from 0) of `--dataset`, in the order its loader reads it
 *   (csv data rows top to bottom, IDX samples, mnist as `fingerprint` loads it);
 * - `json:FILE`: `{ "label": CLASS_INDEX, "features": [...] }`, the canonical record
 *   (features row-major, nested arrays flattened);
 * - `csv:FILE` or `idx:IMAGES,LABELS`: a file in the dataset's own format holding exactly
 *   that one record, read with the same csv options as the dataset.
 */
export type RecordSpec =
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "json"; readonly path: string }
  | { readonly kind: "file"; readonly spec: DatasetSpec };

export const RECORD_SPEC_FORMS = "index:N (sample N of --dataset, from 0), json:FILE, or a one-record csv:FILE or idx:IMAGES,LABELS";

function invalid(message: string, details?: string): FedLedgerError {
  return new FedLedgerError("INVALID_CONFIG", message, details === undefined ? {} : { details });
}

/** Parses a RECORD argument. Throws INVALID_CONFIG for anything but the forms of {@link RecordSpec}. */
export function parseRecordSpec(text: string, csv: CsvSpecOptions = {}): RecordSpec {
  const colon = text.indexOf(":");
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? "" : text.slice(colon + 1);
  switch (kind) {
    case "index":
      if (!/^\d+$/.test(rest) || !Number.isSafeInteger(Number(rest))) throw invalid("index:N needs a whole number N (from 0)", `got ${JSON.stringify(text.slice(0, 60))}`);
      return { kind: "index", index: Number(rest) };
    case "json":
      if (rest.length === 0) throw invalid("A json record is json:FILE");
      return { kind: "json", path: rest };
    case "csv":
      return { kind: "file", spec: parseDatasetSpec(text, csv) };
    case "idx":
      return { kind: "file", spec: parseDatasetSpec(text) };
    default:
      throw invalid(`Unknown record ${JSON.stringify(text.slice(0, 60))}`, `expected ${RECORD_SPEC_FORMS}`);
  }
}
