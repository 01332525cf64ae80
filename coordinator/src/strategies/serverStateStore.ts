import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Hex } from "viem";
import { FedLedgerError } from "@fedledger/client-sdk";
import { writeFileDurably } from "../stores/durableWrite.ts";
import { canonicalSha256Hex } from "../stores/sha256Hex.ts";

/**
 * Where a server optimizer (FedOpt family) keeps its state: the encoded state after the
 * round that produced the model `modelHash`, keyed by that hash. The next round, whose base
 * is that model, starts from it; an auditor needs it to re-derive that round.
 */
export type ServerStateStore = {
  load(modelHash: Hex): Promise<Uint8Array | undefined>;
  /** Durable once it resolves (a restart finds it). */
  save(modelHash: Hex, bytes: Uint8Array): Promise<void>;
};

/** `<dir>/<64 hex digits of the model hash>.state`, written durably (temp file, fsync, rename). */
export function createDirectoryServerStateStore(dir: string): ServerStateStore {
  const root = resolve(dir);
  const pathOf = (modelHash: Hex): string => join(root, `${canonicalSha256Hex(modelHash).slice(2)}.state`);
  return {
    async load(modelHash) {
      try {
        const buffer = await readFile(pathOf(modelHash));
        return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new FedLedgerError("INTERNAL", "Could not read server optimizer state", { details: pathOf(modelHash), cause });
      }
    },
    async save(modelHash, bytes) {
      await writeFileDurably(pathOf(modelHash), [bytes]);
    },
  };
}
