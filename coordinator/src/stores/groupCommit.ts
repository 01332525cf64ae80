import { randomUUID } from "node:crypto";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileSize } from "./durableWrite.ts";

/**
 * Durable, atomic file writes that share their syncs: a group commit. Each write goes to a
 * temporary file at once; the writes that are waiting when a commit starts form its group,
 * which syncs all of its files together, renames each onto its path, then syncs every
 * directory involved once (and the parents of directories it created). Each write resolves
 * only when all of that is done for it, so a resolved write survives a crash and no reader
 * ever sees a partial file. While one commit runs, the next group gathers.
 */
export type GroupCommitter = {
  /**
   * Writes `chunks` (concatenated) to `path` durably. Idempotent: if a file of the chunks'
   * total size is already there it is left untouched and "exists" is returned.
   */
  write(path: string, chunks: readonly ArrayBufferView[]): Promise<"written" | "exists">;
  /** Commits so far, and the files they made durable (one commit holds one or more). */
  readonly stats: { readonly commits: number; readonly files: number };
};

type Pending = {
  handle: FileHandle;
  temp: string;
  path: string;
  /** Directories whose entries must be synced for this file: its own, and any it created. */
  dirs: string[];
  done: (error?: unknown) => void;
};

async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return; // NTFS journals renames itself; a directory cannot be opened
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, chunks: readonly ArrayBufferView[]): Promise<void> {
  let position = 0;
  for (const chunk of chunks) {
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let done = 0; done < bytes.byteLength; ) {
      const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position);
      done += bytesWritten;
      position += bytesWritten;
    }
  }
}

/** Settles every promise; returns the failure of each (undefined where it succeeded). */
async function failures(promises: readonly Promise<unknown>[]): Promise<unknown[]> {
  return (await Promise.allSettled(promises)).map((r) => (r.status === "rejected" ? r.reason ?? new Error("failed") : undefined));
}

export function createGroupCommitter(): GroupCommitter {
  let waiting: Pending[] = [];
  let committing = false;
  const stats = { commits: 0, files: 0 };

  async function commit(group: Pending[]): Promise<void> {
    const synced = await failures(group.map((p) => p.handle.sync()));
    await Promise.allSettled(group.map((p) => p.handle.close()));
    const renamed = await failures(group.map((p, i) => (synced[i] ? Promise.reject(synced[i]) : rename(p.temp, p.path))));
    const live = group.filter((p, i) => {
      if (!renamed[i]) return true;
      void rm(p.temp, { force: true }).catch(() => undefined);
      p.done(renamed[i]);
      return false;
    });
    const dirs = [...new Set(live.flatMap((p) => p.dirs))];
    const dirFailures = new Map<string, unknown>();
    (await failures(dirs.map(syncDirectory))).forEach((error, i) => error && dirFailures.set(dirs[i] as string, error));
    stats.commits++;
    for (const p of live) {
      const failed = p.dirs.find((d) => dirFailures.has(d));
      if (failed === undefined) stats.files++;
      p.done(failed === undefined ? undefined : dirFailures.get(failed));
    }
  }

  async function drain(): Promise<void> {
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        await commit(group);
      } catch (error) {
        for (const p of group) p.done(error); // settles only those not settled yet
      }
    }
    committing = false;
  }

  return {
    stats,
    async write(path, chunks) {
      const expectedSize = chunks.reduce((n, c) => n + c.byteLength, 0);
      if ((await fileSize(path)) === expectedSize) return "exists";
      const dir = dirname(path);
      const firstCreated = await mkdir(dir, { recursive: true });
      const dirs = [dir];
      // New directories are entries of their parents: those are synced too.
      if (firstCreated !== undefined) for (let d = dir; d !== dirname(firstCreated); d = dirname(d)) dirs.push(dirname(d));
      const temp = join(dir, `.tmp-${process.pid}-${randomUUID()}`);
      const handle = await open(temp, "wx", 0o644);
      try {
        await writeAll(handle, chunks);
      } catch (error) {
        await handle.close().catch(() => undefined);
        await rm(temp, { force: true });
        throw error;
      }
      const written = new Promise<void>((resolve, reject) => {
        waiting.push({ handle, temp, path, dirs, done: (error) => (error === undefined ? resolve() : reject(error)) });
      });
      if (!committing) {
        committing = true;
        // setImmediate: writes finishing in the same turn of the event loop join this group.
        setImmediate(() => void drain());
      }
      await written;
      return "written";
    },
  };
}
