// The IDX codec is hand-written: the format is a 4-byte header, big-endian uint32 dims and
// big-endian values, and the npm packages that read it are unmaintained, MNIST-only
// (ubyte, fixed 3-D/1-D shapes) or pull in a tensor runtime.
import { gunzipSync } from "node:zlib";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { isGzip } from "./readDataFile.ts";

/** The IDX data-type byte (third byte of the magic number) for each element type. */
export const IDX_DTYPE_CODES = {
  ubyte: 0x08,
  sbyte: 0x09,
  short: 0x0b,
  int: 0x0c,
  float: 0x0d,
  double: 0x0e,
} as const;

type IdxDataMap = {
  ubyte: Uint8Array;
  sbyte: Int8Array;
  short: Int16Array;
  int: Int32Array;
  float: Float32Array;
  double: Float64Array;
};

export type IdxDataType = keyof IdxDataMap;

/** A decoded IDX file: element type, dimensions (outermost first) and row-major values. */
export type IdxArray = {
  [K in IdxDataType]: { readonly dtype: K; readonly dims: readonly number[]; readonly data: IdxDataMap[K] };
}[IdxDataType];

const BYTES_PER_ELEMENT: Record<IdxDataType, number> = {
  ubyte: 1,
  sbyte: 1,
  short: 2,
  int: 4,
  float: 4,
  double: 8,
};

const MAX_DIM = 0xffffffff;
const MAX_NDIM = 0xff;

function dtypeFromCode(code: number): IdxDataType | undefined {
  for (const [name, value] of Object.entries(IDX_DTYPE_CODES)) {
    if (value === code) return name as IdxDataType;
  }
  return undefined;
}

function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}

function invalid(message: string, source: string, details: string): FedLedgerError {
  return new FedLedgerError("INVALID_DATASET", `${source}: ${message}`, { details });
}

/**
 * Decodes an IDX file. Layout: two zero bytes, a data-type byte (see
 * {@link IDX_DTYPE_CODES}), a dimension-count byte, one big-endian uint32 per dimension,
 * then the values, big-endian, row-major. Gzipped input (magic 1f 8b) is inflated first.
 *
 * Throws INVALID_DATASET for a bad magic number, an unknown data type, a file shorter than
 * its header says (truncated) or longer (trailing bytes). `source` names the data in
 * error messages (e.g. a file path).
 */
export function parseIdx(input: Uint8Array, source = "IDX data"): IdxArray {
  let bytes = input;
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (cause) {
      throw new FedLedgerError("INVALID_DATASET", `${source}: corrupt gzip data`, {
        details: cause instanceof Error ? cause.message : String(cause),
        cause,
      });
    }
  }
  if (bytes.length < 4) {
    throw invalid("truncated IDX header", source, `need 4 magic bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const dtype = dtypeFromCode(bytes[2] ?? 0);
  if (bytes[0] !== 0 || bytes[1] !== 0 || dtype === undefined) {
    throw invalid("bad IDX magic number", source, `magic ${hex32(magic)} is not 0x0000TTNN with a known type byte TT`);
  }
  const ndim = bytes[3] ?? 0;
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) {
    throw invalid("truncated IDX header", source, `${ndim} dimensions need ${headerSize} header bytes, file has ${bytes.length}`);
  }
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    const dim = view.getUint32(4 + 4 * d, false);
    dims.push(dim);
    count *= dim;
  }
  const elementSize = BYTES_PER_ELEMENT[dtype];
  const expected = headerSize + count * elementSize;
  if (!Number.isSafeInteger(expected) || bytes.length < expected) {
    throw invalid("truncated IDX data", source, `dims [${dims.join(", ")}] of ${dtype} need ${expected} bytes, file has ${bytes.length}`);
  }
  if (bytes.length > expected) {
    throw invalid("trailing bytes after IDX data", source, `dims [${dims.join(", ")}] of ${dtype} need ${expected} bytes, file has ${bytes.length}`);
  }
  Object.freeze(dims);
  const at = headerSize;
  switch (dtype) {
    case "ubyte":
      // Copy (a Buffer's slice would be a view into the whole file).
      return { dtype, dims, data: new Uint8Array(bytes.subarray(at, expected)) };
    case "sbyte":
      return { dtype, dims, data: new Int8Array(new Uint8Array(bytes.subarray(at, expected)).buffer) };
    case "short": {
      const data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(at + 2 * i, false);
      return { dtype, dims, data };
    }
    case "int": {
      const data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(at + 4 * i, false);
      return { dtype, dims, data };
    }
    case "float": {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(at + 4 * i, false);
      return { dtype, dims, data };
    }
    case "double": {
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(at + 8 * i, false);
      return { dtype, dims, data };
    }
  }
}

/**
 * Encodes an {@link IdxArray} as uncompressed IDX bytes (gzip them with `node:zlib` if
 * wanted). Throws INVALID_DATASET when the dims do not fit the format (more than 255, or
 * one above 2^32 - 1), disagree with the data length, or the typed array does not match
 * `dtype`.
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const { dtype, dims, data } = array;
  const code = IDX_DTYPE_CODES[dtype];
  if (code === undefined) {
    throw new FedLedgerError("INVALID_DATASET", "unknown IDX data type", { details: `dtype ${String(dtype)}` });
  }
  if (dims.length > MAX_NDIM) {
    throw new FedLedgerError("INVALID_DATASET", "IDX supports at most 255 dimensions", { details: `got ${dims.length}` });
  }
  let count = 1;
  for (const dim of dims) {
    if (!Number.isInteger(dim) || dim < 0 || dim > MAX_DIM) {
      throw new FedLedgerError("INVALID_DATASET", "IDX dimensions must be integers in [0, 2^32 - 1]", {
        details: `dims [${dims.join(", ")}]`,
      });
    }
    count *= dim;
  }
  const expectedType = {
    ubyte: Uint8Array,
    sbyte: Int8Array,
    short: Int16Array,
    int: Int32Array,
    float: Float32Array,
    double: Float64Array,
  }[dtype];
  if (!(data instanceof expectedType)) {
    throw new FedLedgerError("INVALID_DATASET", `IDX ${dtype} data must be a ${expectedType.name}`);
  }
  if (data.length !== count) {
    throw new FedLedgerError("INVALID_DATASET", "IDX dims do not match the data length", {
      details: `dims [${dims.join(", ")}] hold ${count} values, data has ${data.length}`,
    });
  }
  const headerSize = 4 + 4 * dims.length;
  const out = new Uint8Array(headerSize + count * BYTES_PER_ELEMENT[dtype]);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  dims.forEach((dim, d) => view.setUint32(4 + 4 * d, dim, false));
  const at = headerSize;
  switch (array.dtype) {
    case "ubyte":
      out.set(array.data, at);
      break;
    case "sbyte":
      out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.length), at);
      break;
    case "short":
      array.data.forEach((v, i) => view.setInt16(at + 2 * i, v, false));
      break;
    case "int":
      array.data.forEach((v, i) => view.setInt32(at + 4 * i, v, false));
      break;
    case "float":
      array.data.forEach((v, i) => view.setFloat32(at + 4 * i, v, false));
      break;
    case "double":
      array.data.forEach((v, i) => view.setFloat64(at + 8 * i, v, false));
      break;
  }
  return out;
}
