import { stat } from "node:fs/promises";
import { writeFileAtomically } from "@fedledger/client-sdk";

/** Size of the file at `path`, or undefined if there is none. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Writes `chunks` (concatenated) to `path` durably and atomically (the SDK's
 * writeFileAtomically: temp file, fsync, rename, directory fsync), so that an acknowledged
 * object survives a crash and no reader sees a partial file.
 *
 * Idempotent: if a file of the chunks' total size is already at `path` it is left
 * untouched and "exists" is returned.
 */
export async function writeFileDurably(path: string, chunks: readonly ArrayBufferView[]): Promise<"written" | "exists"> {
  const expectedSize = chunks.reduce((n, c) => n + c.byteLength, 0);
  if ((await fileSize(path)) === expectedSize) return "exists";
  await writeFileAtomically(path, chunks);
  return "written";
}
