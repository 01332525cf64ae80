import canonicalize from "canonicalize";
import type { Hex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { contentHashSync } from "../protocol/hashing/contentHash.ts";

/**
 * `value` in the JSON Canonicalization Scheme (RFC 8785): keys sorted by UTF-16 code
 * units, no whitespace, ECMAScript number form. The same value gives the same bytes on
 * every machine, so a digest of it can be recomputed by anyone. Throws INTERNAL for what
 * JSON cannot hold (undefined at the top, a bigint, NaN, a cycle).
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (cause) {
    throw new FedLedgerError("INTERNAL", "A value has no canonical JSON form", { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  if (text === undefined) throw new FedLedgerError("INTERNAL", "A value has no canonical JSON form", { details: `got ${typeof value}` });
  return text;
}

/** The UTF-8 bytes of {@link canonicalJson}. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

/** SHA-256 of {@link canonicalJsonBytes}, as 0x-hex. Node only (contentHashSync). */
export function canonicalDigest(value: unknown): Hex {
  return contentHashSync(canonicalJsonBytes(value));
}

/** A 0x-prefixed SHA-256 as an in-toto digest value: 64 lowercase hex digits, no prefix. */
export const sha256Value = (hash: Hex): string => hash.slice(2).toLowerCase();

/** An in-toto digest value (64 hex digits) as 0x-hex. */
export const sha256Hex = (value: string): Hex => `0x${value.toLowerCase()}`;
