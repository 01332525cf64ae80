import type { Hex } from "viem";
import { FedLedgerError } from "@fedledger/client-sdk";
import type { UpdateSource } from "../strategies/Strategy.ts";
import { canonicalSha256Hex } from "./sha256Hex.ts";

/** Accepted updates held in memory: for strategy and scorer tests, simulations and benchmarks. */
export type MemoryUpdateSource = UpdateSource & {
  /**
   * Keeps a copy of `flat` (the decoded update flattened in layout order). Adding a hash
   * again is a no-op: the hash names the content.
   */
  add(updateHash: Hex, flat: Float32Array): void;
  has(updateHash: Hex): boolean;
  readonly size: number;
};

export function createMemoryUpdateSource(parameterCount: number): MemoryUpdateSource {
  if (!Number.isSafeInteger(parameterCount) || parameterCount < 1) {
    throw new FedLedgerError("INVALID_CONFIG", "parameterCount must be a positive integer", { details: String(parameterCount) });
  }
  const entries = new Map<Hex, Float32Array>();
  return {
    parameterCount,
    get size() {
      return entries.size;
    },
    has: (updateHash) => entries.has(canonicalSha256Hex(updateHash)),
    add(updateHash, flat) {
      const key = canonicalSha256Hex(updateHash);
      if (flat.length !== parameterCount) {
        throw new FedLedgerError("SHAPE_MISMATCH", "Update has the wrong number of parameters", {
          details: `expected ${parameterCount}, got ${flat.length}`,
        });
      }
      if (!entries.has(key)) entries.set(key, flat.slice());
    },
    async read(updateHash, offset, into) {
      if (!Number.isSafeInteger(offset) || offset < 0 || offset + into.length > parameterCount) {
        throw new FedLedgerError("INTERNAL", "Update read out of range", { details: `[${offset}, ${offset + into.length}) of ${parameterCount} parameters` });
      }
      const found = entries.get(canonicalSha256Hex(updateHash));
      if (!found) throw new FedLedgerError("INTERNAL", "Unknown update", { details: updateHash });
      into.set(found.subarray(offset, offset + into.length));
    },
  };
}
