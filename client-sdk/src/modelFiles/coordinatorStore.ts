import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Hex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";

/** The content store's folder below the coordinator's `storage.dir`. */
export const STORE_OBJECTS_DIR = "objects";
/** The model spec the coordinator runs, written below its `storage.dir` when it starts. */
export const STORE_MODEL_SPEC_FILE = "model-spec.json";
/** What an auditor needs besides the objects (resolved strategy, scorer, evaluation data), written beside the model spec. */
export const STORE_AUDIT_CONFIG_FILE = "audit-config.json";
/** The coordinator's hash-chained event log (see provenance/eventLog.ts), below its `storage.dir`. */
export const STORE_EVENT_LOG_FILE = "event-log.jsonl";
/** The index from a round statement's digest to its signed envelope in the content store (see provenance/storedStatements.ts). */
export const STORE_STATEMENTS_DIR = "statements";

/** Where a content store rooted at `root` keeps object `hash` (0x + 64 lowercase hex digits): `<root>/ab/cdef…`, git-style. */
export function contentObjectPath(root: string, hash: Hex): string {
  const hex = hash.slice(2);
  return join(root, hex.slice(0, 2), hex.slice(2));
}

function notFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/**
 * The object `hash` from the content store of a coordinator whose `storage.dir` is
 * `storeDir`, re-hashed; undefined when the store does not hold it. Throws HASH_MISMATCH
 * for a corrupt object, INVALID_CONFIG when it cannot be read.
 */
export async function readStoredObject(storeDir: string, hash: Hex): Promise<Uint8Array | undefined> {
  const canonical = hash.toLowerCase() as Hex;
  const path = contentObjectPath(join(storeDir, STORE_OBJECTS_DIR), canonical);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (cause) {
    if (notFound(cause)) return undefined;
    throw new FedLedgerError("INVALID_CONFIG", `Cannot read ${path}`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  const actual = await contentHash(bytes);
  if (actual !== canonical) throw new FedLedgerError("HASH_MISMATCH", "A stored object does not match its hash", { details: `${path} hashes to ${actual}` });
  return bytes;
}

/** The JSON in `path` (a model spec). Throws INVALID_CONFIG when it is missing or not JSON. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new FedLedgerError("INVALID_CONFIG", `Cannot read ${what} ${path}`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new FedLedgerError("INVALID_CONFIG", `${what} ${path} is not JSON`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
}
