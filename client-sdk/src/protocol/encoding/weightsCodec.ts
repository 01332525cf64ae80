import os from "node:os";
import { Packr } from "msgpackr";
import { FedLedgerError } from "../../errors/FedLedgerError.ts";
import { type LayerSpec, type Weights, assertWeightsMatchLayout, layerSize } from "./layout.ts";
import { dequantizeLayer, isSafeScale, quantizeLayer } from "./quantize.ts";

/**
 * Canonical encoding of model weights and updates.
 *
 * A msgpack array `[MAGIC, FORMAT_VERSION, dtype, layers]`, where each layer is
 * `[name, shape, data]` for "f32" (data: little-endian float32 bytes) or
 * `[name, shape, data, scale]` for "i8" (data: int8 bytes; scale: float32 bytes, LE).
 * Arrays rather than maps, so no key order can differ; the layer order is the model's
 * layout order. The same weights always give the same bytes, so the SHA-256 of the
 * bytes identifies them. Hashes and signatures cover exactly these bytes.
 */
export const WEIGHTS_MAGIC = "fedledger/weights";
export const WEIGHTS_FORMAT_VERSION = 1;
export const WEIGHT_DTYPES = ["f32", "i8"] as const;
export type WeightDtype = (typeof WEIGHT_DTYPES)[number];

if (os.endianness() !== "LE") {
  // Float32Array views are used on the wire bytes directly.
  throw new FedLedgerError("INTERNAL", "fedledger requires a little-endian host");
}

// No records/structures extension: plain msgpack any decoder can read.
const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true });

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Encodes `weights` (layout order) canonically. int8 quantizes each layer first. */
export function encodeWeights(weights: Weights, layout: readonly LayerSpec[], dtype: WeightDtype = "f32"): Uint8Array {
  assertWeightsMatchLayout(weights, layout);
  const layers = layout.map((layer, i) => {
    const values = weights[i] as Float32Array;
    if (dtype === "f32") return [layer.name, [...layer.shape], bytesOf(values)];
    const q = quantizeLayer(values);
    return [layer.name, [...layer.shape], bytesOf(q.values), bytesOf(new Float32Array([q.scale]))];
  });
  return packr.pack([WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, dtype, layers]);
}

/** Where one layer's data lies inside an encoding: bytes [byteOffset, byteOffset + byteLength). */
export type LayerLocation = {
  readonly byteOffset: number;
  readonly byteLength: number;
  /** The i8 dequantization scale (a safe float32); 1 for f32. */
  readonly scale: number;
};

/** An encoding's frame, checked against a layout: its dtype and where each layer's data lies. */
export type WeightsFrame = { dtype: WeightDtype; layers: LayerLocation[] };

export type DecodedWeights = {
  dtype: WeightDtype;
  weights: Float32Array[];
  /** L2 norm of the decoded values: s = +0; s += v·v over every value in layout order, in binary64; sqrt(s). */
  norm: number;
  /** Where each layer's data lies in the decoded bytes (readers of a stored object use these). */
  layers: LayerLocation[];
};

function malformed(reason: string): FedLedgerError {
  return new FedLedgerError("DECODE_ERROR", "Malformed weights encoding", { details: reason });
}

function asBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw malformed(`${what} is not binary`);
  return value;
}

function float32From(bytes: Uint8Array): Float32Array {
  // Copy: the slice inside the msgpack frame is not 4-byte aligned in general.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/**
 * Adds v·v for every value of `values` to `sum` (binary64, ascending) and returns the new
 * sum. One pass for both checks: the square of a finite float32 is a finite binary64 (at
 * most 1.2e77), so the sum stays finite exactly as long as every value is.
 */
function addSquares(sum: number, values: Float32Array): number {
  let s = sum;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    s += v * v;
  }
  return s;
}

function nonFinite(values: Float32Array, name: string): FedLedgerError {
  const index = values.findIndex((v) => !Number.isFinite(v));
  return new FedLedgerError("NON_FINITE", `Layer ${name} holds a non-finite value`, {
    details: `index ${index} is ${values[index]}`,
  });
}

type Layer = { location: LayerLocation; data: Uint8Array };

/**
 * Parses an encoding's frame against the expected layout: the frame, the layer names,
 * order and shapes, the byte lengths and the int8 scales. Does not read the values.
 * Throws DECODE_ERROR, SHAPE_MISMATCH or NON_FINITE (an invalid scale).
 */
export function parseWeightsFrame(bytes: Uint8Array, layout: readonly LayerSpec[]): WeightsFrame {
  const { dtype, layers } = parseFrame(bytes, layout);
  return { dtype, layers: layers.map((l) => l.location) };
}

function parseFrame(bytes: Uint8Array, layout: readonly LayerSpec[]): { dtype: WeightDtype; layers: Layer[] } {
  let frame: unknown;
  try {
    frame = packr.unpack(bytes);
  } catch (cause) {
    throw new FedLedgerError("DECODE_ERROR", "Malformed weights encoding", { details: "not msgpack", cause });
  }
  if (!Array.isArray(frame) || frame.length !== 4) throw malformed("frame is not a 4-element array");
  const [magic, version, dtype, layers] = frame as unknown[];
  if (magic !== WEIGHTS_MAGIC) throw malformed("wrong magic");
  if (version !== WEIGHTS_FORMAT_VERSION) throw malformed(`unsupported format version ${String(version)}`);
  if (dtype !== "f32" && dtype !== "i8") throw malformed(`unknown dtype ${String(dtype)}`);
  if (!Array.isArray(layers)) throw malformed("layers is not an array");
  if (layers.length !== layout.length) {
    throw new FedLedgerError("SHAPE_MISMATCH", "Wrong number of layers", {
      details: `expected ${layout.length}, got ${layers.length}`,
    });
  }
  return { dtype, layers: layout.map((expected, i) => parseLayer(bytes, layers[i], expected, dtype)) };
}

/**
 * Decodes and validates an encoding against the expected layout: the frame (see
 * parseWeightsFrame), and that every value is finite, in the same pass that sums the
 * squares for the norm. Throws DECODE_ERROR, SHAPE_MISMATCH or NON_FINITE.
 */
export function decodeWeights(bytes: Uint8Array, layout: readonly LayerSpec[]): DecodedWeights {
  const { dtype, layers } = parseFrame(bytes, layout);
  const weights: Float32Array[] = [];
  const squares = sumSquares(dtype, layers, layout, (sum, layer) => {
    const values = layerValues(dtype, layer);
    weights.push(values);
    return addSquares(sum, values);
  });
  return { dtype, weights, norm: Math.sqrt(squares), layers: layers.map((l) => l.location) };
}

/** A layer's values: float32 copied out of the frame, or int8 dequantized (q · scale, rounded to float32). */
function layerValues(dtype: WeightDtype, { location, data }: Layer): Float32Array {
  return dtype === "f32" ? float32From(data) : dequantizeLayer({ scale: location.scale, values: new Int8Array(data.buffer, data.byteOffset, data.byteLength) });
}

/**
 * The sum of v·v over every value, layer by layer in layout order (`add` adds one layer's
 * squares in binary64, ascending). A sum that stops being finite names the layer's first
 * non-finite value (NON_FINITE).
 */
function sumSquares(dtype: WeightDtype, layers: readonly Layer[], layout: readonly LayerSpec[], add: (sum: number, layer: Layer) => number): number {
  let squares = 0;
  layers.forEach((layer, i) => {
    squares = add(squares, layer);
    if (!Number.isFinite(squares)) throw nonFinite(layerValues(dtype, layer), (layout[i] as LayerSpec).name);
  });
  return squares;
}

/** What validating an update needs from its values, without keeping them: see measureWeights. */
export type MeasuredWeights = Omit<DecodedWeights, "weights">;

// Float32 layer data is summed through this aligned scratch, a chunk at a time, whatever
// its alignment in the frame: no allocation per update, and the copy stays in cache.
const SCRATCH_FLOATS = 16_384;
const scratch = new Float32Array(SCRATCH_FLOATS);
const scratchBytes = new Uint8Array(scratch.buffer);

/** s + v·v over scratch[0, count), ascending, in binary64 (one loop over one array: stays monomorphic). */
function addScratchSquares(sum: number, count: number): number {
  let s = sum;
  for (let i = 0; i < count; i++) {
    const v = scratch[i] as number;
    s += v * v;
  }
  return s;
}

/** addSquares over float32 values stored little-endian at any byte offset: the same values in the same order, so the same sum. */
function addSquaresOfBytes(sum: number, data: Uint8Array): number {
  let s = sum;
  for (let start = 0; start < data.byteLength; start += scratchBytes.byteLength) {
    const length = Math.min(scratchBytes.byteLength, data.byteLength - start);
    scratchBytes.set(new Uint8Array(data.buffer, data.byteOffset + start, length));
    s = addScratchSquares(s, length >>> 2);
  }
  return s;
}

/**
 * decodeWeights without materializing the values: the same checks, the same errors and
 * the same norm (the sum runs over the values in the same order), but float32 layers are
 * read in place. For a coordinator validating an update that it stores as signed and
 * reads back at `layers`.
 */
export function measureWeights(bytes: Uint8Array, layout: readonly LayerSpec[]): MeasuredWeights {
  const { dtype, layers } = parseFrame(bytes, layout);
  const squares = sumSquares(dtype, layers, layout, (sum, layer) => (dtype === "f32" ? addSquaresOfBytes(sum, layer.data) : addSquares(sum, layerValues(dtype, layer))));
  return { dtype, norm: Math.sqrt(squares), layers: layers.map((l) => l.location) };
}

function parseLayer(frame: Uint8Array, raw: unknown, expected: LayerSpec, dtype: WeightDtype): Layer {
  if (!Array.isArray(raw) || raw.length !== (dtype === "f32" ? 3 : 4)) throw malformed(`layer ${expected.name} is malformed`);
  const [name, shape, data, scale] = raw as unknown[];
  if (name !== expected.name) {
    throw new FedLedgerError("SHAPE_MISMATCH", "Unexpected layer", {
      details: `expected ${expected.name}, got ${String(name)}`,
    });
  }
  if (!Array.isArray(shape) || shape.length !== expected.shape.length || shape.some((d, j) => d !== expected.shape[j])) {
    throw new FedLedgerError("SHAPE_MISMATCH", `Layer ${expected.name} has the wrong shape`, {
      details: `expected [${expected.shape.join(",")}], got ${JSON.stringify(shape)}`,
    });
  }
  const size = layerSize(expected);
  const bytes = asBytes(data, `layer ${expected.name} data`);
  const at = (byteLength: number, scaleValue: number): Layer => ({ location: { byteOffset: offsetIn(frame, bytes), byteLength, scale: scaleValue }, data: bytes });
  if (dtype === "f32") {
    if (bytes.byteLength !== size * 4) throw malformed(`layer ${expected.name} has ${bytes.byteLength} bytes, expected ${size * 4}`);
    return at(bytes.byteLength, 1);
  }
  if (bytes.byteLength !== size) throw malformed(`layer ${expected.name} has ${bytes.byteLength} bytes, expected ${size}`);
  const scaleBytes = asBytes(scale, `layer ${expected.name} scale`);
  if (scaleBytes.byteLength !== 4) throw malformed(`layer ${expected.name} scale is not 4 bytes`);
  const scaleValue = float32From(scaleBytes)[0] as number;
  if (!isSafeScale(scaleValue)) {
    throw new FedLedgerError("NON_FINITE", `Layer ${expected.name} has an invalid scale`, { details: String(scaleValue) });
  }
  return at(bytes.byteLength, scaleValue);
}

/** Offset of `part` (a view msgpackr returned, not a copy) inside `frame`. */
function offsetIn(frame: Uint8Array, part: Uint8Array): number {
  const offset = part.byteOffset - frame.byteOffset;
  if (part.buffer !== frame.buffer || offset < 0 || offset + part.byteLength > frame.byteLength) {
    throw new FedLedgerError("INTERNAL", "The msgpack decoder copied binary data instead of viewing it");
  }
  return offset;
}
