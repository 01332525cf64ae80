import { createHash } from "node:crypto";
import { endianness } from "node:os";
import type { Hex } from "viem";
import type { Dataset } from "../data/Dataset.ts";
import { featureSize } from "../data/Dataset.ts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { bufferToHex } from "./bytes32.ts";

/*
 * Canonical record encoding, version 1. Auditors re-derive record hashes from raw data
 * with exactly this:
 *
 *   recordHash = SHA-256( label || f_0 || f_1 || ... || f_{k-1} )
 *
 *   label  4 bytes, the class index as an unsigned 32-bit big-endian integer
 *          (must be an integer in [0, 2^31 - 1]).
 *   f_i    4 bytes each, feature i (row-major, as in Dataset.features) as an IEEE-754
 *          binary32, little-endian. Values are first rounded to float32 (Math.fround);
 *          -0 is written as +0 (00 00 00 00); NaN and +/-Infinity are rejected.
 *
 * No length prefix is needed: the label is fixed-size, so the byte length fixes k. Example:
 * label 1, features [0.5, -0] encode as 00000001 0000003f 00000000.
 */

const LITTLE_ENDIAN_HOST = endianness() === "LE";

function checkLabel(label: number, where: string): void {
  if (!Number.isInteger(label) || label < 0 || label > 0x7fffffff) {
    throw new FedLedgerError("INVALID_DATASET", "record label must be an integer in [0, 2^31 - 1]", {
      details: `${where}: label ${String(label)}`,
    });
  }
}

function nonFinite(where: string, index: number, value: number): FedLedgerError {
  return new FedLedgerError("INVALID_DATASET", "record features must be finite", {
    details: `${where}: feature ${index} is ${value}`,
  });
}

/**
 * Writes the canonical encoding of one record into `out` (4 + 4k bytes). A Float32Array on
 * a little-endian host is copied as is (then -0 and non-finite values fixed up/rejected);
 * anything else is written value by value with writeFloatLE. Both give the same bytes.
 */
function writeRecord(out: Buffer, label: number, features: ArrayLike<number>, where: string): void {
  checkLabel(label, where);
  out.writeUInt32BE(label, 0);
  const count = features.length;
  if (LITTLE_ENDIAN_HOST && features instanceof Float32Array && out.byteOffset % 4 === 0) {
    // Fast path: copy the float32 bits, then turn -0 into +0 and reject NaN/Infinity in place.
    const floats = new Float32Array(out.buffer, out.byteOffset + 4, count);
    floats.set(features);
    for (let i = 0; i < count; i++) {
      const value = floats[i] ?? 0;
      if (value === 0) floats[i] = 0;
      else if (value - value !== 0) throw nonFinite(where, i, value);
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    const value = Math.fround(features[i] ?? 0);
    if (!Number.isFinite(value)) throw nonFinite(where, i, value);
    out.writeFloatLE(value === 0 ? 0 : value, 4 + 4 * i);
  }
}

/** The canonical byte encoding of one record (see the format at the top of this file). */
export function encodeRecord(label: number, features: ArrayLike<number>): Uint8Array {
  const out = Buffer.alloc(4 + 4 * features.length);
  writeRecord(out, label, features, "record");
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * SHA-256 of the canonical encoding of one record, as 0x-hex. Throws INVALID_DATASET for
 * a label outside [0, 2^31 - 1] or a non-finite feature.
 */
export function recordHash(label: number, features: ArrayLike<number>): Hex {
  const out = Buffer.alloc(4 + 4 * features.length);
  writeRecord(out, label, features, "record");
  return bufferToHex(createHash("sha256").update(out).digest());
}

/** The record hash of every sample of `dataset`, in sample order (duplicates kept). */
export function datasetRecordHashes(dataset: Dataset): Hex[] {
  const rowSize = featureSize(dataset.featureShape);
  if (dataset.features.length !== dataset.numSamples * rowSize || dataset.labels.length !== dataset.numSamples) {
    throw new FedLedgerError("INVALID_DATASET", "dataset arrays do not match numSamples and featureShape");
  }
  const scratch = Buffer.alloc(4 + 4 * rowSize);
  const hashes = new Array<Hex>(dataset.numSamples);
  for (let i = 0; i < dataset.numSamples; i++) {
    writeRecord(scratch, dataset.labels[i] ?? 0, dataset.features.subarray(i * rowSize, (i + 1) * rowSize), `sample ${i}`);
    hashes[i] = bufferToHex(createHash("sha256").update(scratch).digest());
  }
  return hashes;
}
