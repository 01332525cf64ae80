import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { FedLedgerError } from "../errors/FedLedgerError.ts";

const gunzipAsync = promisify(gunzip);

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a data file, transparently gunzipping it when it starts with the gzip magic
 * (whatever its name). A missing or unreadable file, or a corrupt gzip stream, throws
 * INVALID_DATASET naming the path.
 */
export async function readDataFile(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new FedLedgerError("INVALID_DATASET", `cannot read data file ${path}`, {
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    });
  }
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (cause) {
    throw new FedLedgerError("INVALID_DATASET", `corrupt gzip data in ${path}`, {
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    });
  }
}
