import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Makes `dir`'s entries (a rename or a new file in it) durable. POSIX only: Windows cannot
 * open a directory for fsync, and NTFS journals renames itself.
 */
async function fsyncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `data` (chunks concatenated) so that, once this resolves, the file
 * is there in full even across a crash or power loss, and no reader ever sees a partial
 * file under `path`:
 *
 *   1. create the directory (and fsync the parents of whatever was created),
 *   2. write a temporary file in the same directory (same filesystem, so the rename is
 *      atomic) and fsync it,
 *   3. rename it onto `path` (atomic replace) and fsync the directory.
 *
 * Concurrent writers are safe (each renames its own complete temporary file). A crash can
 * leave a `.tmp-*` file behind, never a partial `path`.
 */
export async function writeFileAtomically(path: string, data: string | ArrayBufferView | readonly ArrayBufferView[]): Promise<void> {
  const chunks = typeof data === "string" ? [Buffer.from(data, "utf8")] : ArrayBuffer.isView(data) ? [data] : data;
  const dir = dirname(path);
  const firstCreated = await mkdir(dir, { recursive: true });
  const temp = join(dir, `.tmp-${process.pid}-${randomUUID()}`);
  try {
    const handle = await open(temp, "wx", 0o644);
    try {
      let position = 0;
      for (const chunk of chunks) {
        const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        let done = 0;
        while (done < bytes.byteLength) {
          const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position);
          done += bytesWritten;
          position += bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDirectory(dir);
  if (firstCreated !== undefined) {
    // New directories are entries of their parents: make those durable too.
    for (let d = dir; d !== dirname(firstCreated); d = dirname(d)) await fsyncDirectory(dirname(d));
  }
}
