import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Hex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { readStoredObject, STORE_EVENT_LOG_FILE, STORE_STATEMENTS_DIR } from "../modelFiles/coordinatorStore.ts";
import { bytes32Schema } from "../protocol/messages.ts";
import { decodeEnvelope, type DsseEnvelope } from "./dsseEnvelope.ts";

/**
 * A coordinator keeps each round's signed envelope in its content store, under the
 * envelope's own hash, and an index file per statement, named by the statement digest the
 * ledger records (64 hex digits) and holding the envelope's hash: from the chain to the
 * signed statement in two reads.
 */
export function statementIndexPath(storeDir: string, statementDigest: Hex): string {
  return join(storeDir, STORE_STATEMENTS_DIR, statementDigest.slice(2).toLowerCase());
}

/** What an index file holds: the envelope's content hash and a newline. */
export const statementIndexEntry = (envelopeHash: Hex): string => `${envelopeHash.toLowerCase()}\n`;

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new FedLedgerError("INVALID_CONFIG", `Cannot read ${path}`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
}

/**
 * The envelope of the statement whose digest is `statementDigest`, from a coordinator's
 * `storage.dir`; undefined when the store has no statement with that digest. Throws
 * OBJECT_NOT_FOUND when the index names an envelope the content store lacks, HASH_MISMATCH
 * for a corrupt one, DECODE_ERROR when it is not an envelope.
 */
export async function readStoredStatement(storeDir: string, statementDigest: Hex): Promise<DsseEnvelope | undefined> {
  const path = statementIndexPath(storeDir, statementDigest);
  const text = await readText(path);
  if (text === undefined) return undefined;
  const envelopeHash = bytes32Schema.safeParse(text.trim());
  if (!envelopeHash.success) throw new FedLedgerError("DECODE_ERROR", `The statement index ${path} does not hold an envelope hash`);
  const bytes = await readStoredObject(storeDir, envelopeHash.data);
  if (bytes === undefined) throw new FedLedgerError("OBJECT_NOT_FOUND", "The content store lacks a statement envelope its index names", { details: `${envelopeHash.data} (statement ${statementDigest})` });
  return decodeEnvelope(bytes);
}

/** The text of a coordinator's event log; undefined when it has none. */
export function readStoredEventLog(storeDir: string): Promise<string | undefined> {
  return readText(join(storeDir, STORE_EVENT_LOG_FILE));
}
