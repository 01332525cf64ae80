import { close as closeCallback, fstat, open as openCallback, read as readCallback } from "node:fs";
import { join, resolve } from "node:path";
import type { Hex } from "viem";
import { FedLedgerError, type Weights } from "@fedledger/client-sdk";
import type { UpdateSource } from "../strategies/Strategy.ts";
import { createWasmArena, type ResidentUpdate, type ResidentUpdateSource, type WasmArena } from "../strategies/aggregate/wasmArena.ts";
import { canonicalSha256Hex } from "./sha256Hex.ts";
import { fileSize, writeFileDurably } from "./durableWrite.ts";

function assertParameterCount(parameterCount: number): void {
  if (!Number.isSafeInteger(parameterCount) || parameterCount < 1) {
    throw new FedLedgerError("INVALID_CONFIG", "parameterCount must be a positive integer", { details: String(parameterCount) });
  }
}

function assertRange(parameterCount: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > parameterCount) {
    throw new FedLedgerError("INTERNAL", "Update read out of range", {
      details: `[${offset}, ${offset + length}) of ${parameterCount} parameters`,
    });
  }
}

function unknownUpdate(updateHash: Hex, cause?: unknown): FedLedgerError {
  return new FedLedgerError("INTERNAL", "Unknown update", { details: updateHash, cause });
}

// --- memory ------------------------------------------------------------------------------

/** Accepted updates held in memory (one round's worth). */
export type MemoryUpdateSource = ResidentUpdateSource & {
  /**
   * Keeps a copy of `flat` (the decoded update flattened in layout order). Adding a hash
   * again is a no-op: the hash names the content.
   */
  add(updateHash: Hex, flat: Float32Array): void;
  has(updateHash: Hex): boolean;
  readonly size: number;
};

/**
 * Updates kept in a WebAssembly arena, where the SIMD aggregation kernel reads them with
 * no copy (see weightedDeltaAverage). Falls back to plain Float32Arrays beyond the 4 GiB
 * wasm32 limit or without WebAssembly. Memory is released when the source is dropped:
 * use one source per round.
 */
export function createMemoryUpdateSource(parameterCount: number): MemoryUpdateSource {
  assertParameterCount(parameterCount);
  // 4 float32 of padding after each update: the kernel reads 4 lanes at a time.
  const strideBytes = (parameterCount + 4) * 4;
  const entries = new Map<Hex, ResidentUpdate | Float32Array>();
  let arena: WasmArena | null | undefined;

  const entry = (updateHash: Hex): ResidentUpdate | Float32Array => {
    const found = entries.get(canonicalSha256Hex(updateHash));
    if (!found) throw unknownUpdate(updateHash);
    return found;
  };

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
      if (entries.has(key)) return;
      if (arena === undefined) arena = createWasmArena(strideBytes) ?? null;
      const byteOffset = arena?.allocate(strideBytes);
      if (arena && byteOffset !== undefined) {
        arena.float32(byteOffset, parameterCount).set(flat);
        entries.set(key, { arena, byteOffset });
      } else {
        entries.set(key, flat.slice());
      }
    },
    async read(updateHash, offset, into) {
      assertRange(parameterCount, offset, into.length);
      const found = entry(updateHash);
      if (found instanceof Float32Array) into.set(found.subarray(offset, offset + into.length));
      else into.set(found.arena.float32(found.byteOffset + offset * 4, into.length));
    },
    resident(updateHash) {
      const found = entry(updateHash);
      return found instanceof Float32Array ? undefined : found;
    },
  };
}

// --- store -------------------------------------------------------------------------------

/** Accepted updates as raw float32 sidecar files, read back in slices. */
export type StoreUpdateSource = UpdateSource & {
  /**
   * Durably writes `weights` (the decoded update, layout order) as `parameterCount`
   * little-endian float32 values (temp file, fsync, rename, directory fsync). Idempotent.
   */
  put(updateHash: Hex, weights: Weights): Promise<void>;
  has(updateHash: Hex): Promise<boolean>;
  /** `<dir>/<64 hex digits>.f32` */
  pathOf(updateHash: Hex): string;
  /** Closes the cached file descriptors; the source is unusable afterwards. */
  close(): Promise<void>;
};

export type StoreUpdateSourceOptions = {
  /** File descriptors kept open between reads (least recently used closed first). Default 128. */
  maxOpenFiles?: number;
};

type OpenFile = { readonly fd: Promise<number>; users: number };

function openFd(path: string): Promise<number> {
  return new Promise((done, fail) => openCallback(path, "r", (error, fd) => (error ? fail(error) : done(fd))));
}

function closeFd(fd: number): Promise<void> {
  return new Promise((done) => closeCallback(fd, () => done()));
}

function sizeOfFd(fd: number): Promise<number> {
  return new Promise((done, fail) => fstat(fd, (error, stats) => (error ? fail(error) : done(stats.size))));
}

function readAt(fd: number, into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((done, fail) =>
    readCallback(fd, into, offset, length, position, (error, bytesRead) => (error ? fail(error) : done(bytesRead))),
  );
}

/**
 * Updates stored as `<dir>/<hash>.f32` (host order = little-endian, enforced by the SDK).
 * `read` uses positioned reads on cached file descriptors: an aggregation streams every
 * update chunk by chunk and never loads a whole file.
 */
export function createStoreUpdateSource(
  dir: string,
  parameterCount: number,
  options: StoreUpdateSourceOptions = {},
): StoreUpdateSource {
  assertParameterCount(parameterCount);
  const maxOpenFiles = options.maxOpenFiles ?? 128;
  if (!Number.isSafeInteger(maxOpenFiles) || maxOpenFiles < 1) {
    throw new FedLedgerError("INVALID_CONFIG", "maxOpenFiles must be a positive integer", { details: String(maxOpenFiles) });
  }
  const root = resolve(dir);
  const byteLength = parameterCount * 4;
  const pathOf = (updateHash: Hex): string => join(root, `${canonicalSha256Hex(updateHash).slice(2)}.f32`);
  // Map order is recency order: the first entry is the least recently used.
  const files = new Map<Hex, OpenFile>();
  let closed = false;

  async function openChecked(updateHash: Hex): Promise<number> {
    let fd: number;
    try {
      fd = await openFd(pathOf(updateHash));
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === "ENOENT") throw unknownUpdate(updateHash, cause);
      throw new FedLedgerError("INTERNAL", "Could not open update", { details: updateHash, cause });
    }
    const size = await sizeOfFd(fd).catch(async (cause: unknown) => {
      await closeFd(fd);
      throw new FedLedgerError("INTERNAL", "Could not open update", { details: updateHash, cause });
    });
    if (size !== byteLength) {
      await closeFd(fd);
      throw new FedLedgerError("INTERNAL", "Stored update has the wrong size", {
        details: `${pathOf(updateHash)}: ${size} bytes, expected ${byteLength}`,
      });
    }
    return fd;
  }

  function evictIdle(): void {
    for (const [key, file] of files) {
      if (files.size <= maxOpenFiles) return;
      if (file.users > 0) continue; // in use: closing it could hand its number to another file
      files.delete(key);
      void file.fd.then(closeFd, () => undefined);
    }
  }

  async function acquire(updateHash: Hex): Promise<{ file: OpenFile; fd: number }> {
    if (closed) throw new FedLedgerError("INTERNAL", "Update source is closed");
    const key = canonicalSha256Hex(updateHash);
    let file = files.get(key);
    if (file) {
      files.delete(key);
    } else {
      const opened: OpenFile = { fd: openChecked(key), users: 0 };
      opened.fd.catch(() => {
        if (files.get(key) === opened) files.delete(key);
      });
      file = opened;
    }
    files.set(key, file);
    file.users++;
    try {
      return { file, fd: await file.fd };
    } catch (error) {
      file.users--;
      throw error;
    }
  }

  return {
    parameterCount,
    pathOf,
    async has(updateHash) {
      return (await fileSize(pathOf(updateHash))) === byteLength;
    },
    async put(updateHash, weights) {
      const count = weights.reduce((n, layer) => n + layer.length, 0);
      if (count !== parameterCount) {
        throw new FedLedgerError("SHAPE_MISMATCH", "Update has the wrong number of parameters", {
          details: `expected ${parameterCount}, got ${count}`,
        });
      }
      try {
        await writeFileDurably(pathOf(updateHash), weights);
      } catch (cause) {
        throw new FedLedgerError("INTERNAL", "Could not store update", { details: `${updateHash}: ${String(cause)}`, cause });
      }
    },
    async read(updateHash, offset, into) {
      assertRange(parameterCount, offset, into.length);
      const { file, fd } = await acquire(updateHash);
      try {
        const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
        let done = 0;
        while (done < bytes.byteLength) {
          const n = await readAt(fd, bytes, done, bytes.byteLength - done, offset * 4 + done);
          if (n === 0) throw new FedLedgerError("INTERNAL", "Stored update ended early", { details: pathOf(updateHash) });
          done += n;
        }
      } catch (cause) {
        if (cause instanceof FedLedgerError) throw cause;
        throw new FedLedgerError("INTERNAL", "Could not read update", { details: updateHash, cause });
      } finally {
        file.users--;
        evictIdle();
      }
    },
    async close() {
      closed = true;
      const open = [...files.values()];
      files.clear();
      await Promise.all(open.map((file) => file.fd.then(closeFd, () => undefined)));
    },
  };
}
