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

export type DecodedWeights = { dtype: WeightDtype; weights: Float32Array[] };

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

function assertFinite(values: Float32Array, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v - v !== 0) {
      throw new FedLedgerError("NON_FINITE", `Layer ${name} holds a non-finite value`, {
        details: `index ${i} is ${v}`,
      });
    }
  }
}

/**
 * Decodes and validates an encoding against the expected layout: the frame, the layer
 * names, order and shapes, the byte lengths, and that every value (and scale) is finite.
 * Throws DECODE_ERROR, SHAPE_MISMATCH or NON_FINITE.
 */
export function decodeWeights(bytes: Uint8Array, layout: readonly LayerSpec[]): DecodedWeights {
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
  const weights = layout.map((expected, i) => decodeLayer(layers[i], expected, dtype));
  return { dtype, weights };
}

function decodeLayer(raw: unknown, expected: LayerSpec, dtype: WeightDtype): Float32Array {
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
  if (dtype === "f32") {
    if (bytes.byteLength !== size * 4) throw malformed(`layer ${expected.name} has ${bytes.byteLength} bytes, expected ${size * 4}`);
    const values = float32From(bytes);
    assertFinite(values, expected.name);
    return values;
  }
  if (bytes.byteLength !== size) throw malformed(`layer ${expected.name} has ${bytes.byteLength} bytes, expected ${size}`);
  const scaleBytes = asBytes(scale, `layer ${expected.name} scale`);
  if (scaleBytes.byteLength !== 4) throw malformed(`layer ${expected.name} scale is not 4 bytes`);
  const scaleValue = float32From(scaleBytes)[0] as number;
  if (!isSafeScale(scaleValue)) {
    throw new FedLedgerError("NON_FINITE", `Layer ${expected.name} has an invalid scale`, { details: String(scaleValue) });
  }
  const values = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return dequantizeLayer({ scale: scaleValue, values });
}
