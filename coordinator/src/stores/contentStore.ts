import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Hex } from "viem";
import { contentHashSync, contentObjectPath, FedLedgerError } from "@fedledger/client-sdk";
import { canonicalSha256Hex } from "./sha256Hex.ts";
import { fileSize } from "./durableWrite.ts";
import { createGroupCommitter } from "./groupCommit.ts";

/** Content-addressed blobs (encoded weights and updates), keyed by their SHA-256. */
export type ContentStore = {
  /**
   * Stores `bytes` durably (see createDirectoryContentStore) and returns their hash. Idempotent.
   * `verifiedHash`: the SHA-256 the caller has just computed over these very bytes
   * (skips hashing 4 MB twice on the ingest path); trusted, so pass only your own result.
   */
  put(bytes: Uint8Array, verifiedHash?: Hex): Promise<Hex>;
  /** The stored bytes, re-hashed: throws INTERNAL if missing or corrupt. */
  get(hash: Hex): Promise<Uint8Array>;
  has(hash: Hex): Promise<boolean>;
  /** Where the object lives (or would): `<dir>/<first 2 hex digits>/<other 62>`. */
  pathOf(hash: Hex): string;
};

/**
 * A content store in a directory, git-style: `<dir>/ab/cdef...` for hash 0xabcdef...
 * `put` resolves only once the object is durable (temp file + fsync + atomic rename +
 * directory fsync; puts in flight together share a group commit, see groupCommit.ts), so a
 * hash reported to the ledger always names bytes that survive a crash; `get` verifies the
 * bytes against their name.
 */
export function createDirectoryContentStore(dir: string): ContentStore {
  const root = resolve(dir);
  const committer = createGroupCommitter();
  const pathOf = (hash: Hex): string => contentObjectPath(root, canonicalSha256Hex(hash));
  return {
    pathOf,
    async put(bytes, verifiedHash) {
      const hash = verifiedHash ? canonicalSha256Hex(verifiedHash) : contentHashSync(bytes);
      try {
        await committer.write(pathOf(hash), [bytes]);
      } catch (cause) {
        throw new FedLedgerError("INTERNAL", "Could not store object", { details: `${hash}: ${String(cause)}`, cause });
      }
      return hash;
    },
    async get(hash) {
      const path = pathOf(hash);
      let bytes: Uint8Array;
      try {
        const buffer = await readFile(path);
        bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (cause) {
        const missing = (cause as NodeJS.ErrnoException).code === "ENOENT";
        throw new FedLedgerError("INTERNAL", missing ? "Object not found" : "Could not read object", {
          details: `${hash} at ${path}`,
          cause,
        });
      }
      const actual = contentHashSync(bytes);
      if (actual !== canonicalSha256Hex(hash)) {
        throw new FedLedgerError("INTERNAL", "Stored object is corrupt", {
          details: `${path}: expected ${canonicalSha256Hex(hash)}, content hashes to ${actual}`,
        });
      }
      return bytes;
    },
    async has(hash) {
      return (await fileSize(pathOf(hash))) !== undefined;
    },
  };
}
