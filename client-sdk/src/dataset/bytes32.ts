import type { Hex } from "viem";

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** True when `value` is a 0x-prefixed 32-byte hex string (either case). */
export function isBytes32Hex(value: unknown): value is Hex {
  return typeof value === "string" && BYTES32.test(value);
}

/** The canonical (lowercase) spelling of a 32-byte hex string already checked by {@link isBytes32Hex}. */
export function canonicalBytes32(value: Hex): Hex {
  return value.toLowerCase() as Hex;
}

export function bytes32ToBuffer(value: Hex): Buffer {
  return Buffer.from(value.slice(2), "hex");
}

export function bufferToHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** A short, always-printable description of an untrusted value, for error details. */
export function describeValue(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value) : typeof value;
}
