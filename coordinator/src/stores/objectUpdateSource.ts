import { close as closeCallback, open as openCallback, read as readCallback } from "node:fs";
import type { Hex } from "viem";
import { FedLedgerError, type LayerLocation, type LayerSpec, layerSize, parseWeightsFrame, type WeightsFrame } from "@fedledger/client-sdk";
import type { UpdateSource } from "../strategies/Strategy.ts";
import type { ContentStore } from "./contentStore.ts";
import { canonicalSha256Hex } from "./sha256Hex.ts";
import { allReads } from "../strategies/aggregate/streamingSteps.ts";

/**
 * Accepted updates read straight out of their signed objects in the content store (each
 * update is written once, as signed). Layer data lies at offsets known from decoding.
 */
export type ObjectUpdateSource = UpdateSource & {
  /**
   * Notes where the layers of a just-validated update lie in its stored object, so that
   * reads need not parse it. Without it, the first read parses the stored object once
   * (after a restart, say).
   */
  locate(updateHash: Hex, frame: WeightsFrame): void;
  /** Closes the cached file descriptors; the source is unusable afterwards. */
  close(): Promise<void>;
};

export type ObjectUpdateSourceOptions = {
  /** File descriptors kept open between reads (least recently used closed first). Default 128. */
  maxOpenFiles?: number;
  /** Frames (layer offsets) kept in memory, a few dozen bytes per layer each. Default 4,096. */
  maxFrames?: number;
};

type OpenFile = { readonly fd: Promise<number>; users: number };

function openFd(path: string): Promise<number> {
  return new Promise((done, fail) => openCallback(path, "r", (error, fd) => (error ? fail(error) : done(fd))));
}

function closeFd(fd: number): Promise<void> {
  return new Promise((done) => closeCallback(fd, () => done()));
}

function readAt(fd: number, into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((done, fail) =>
    readCallback(fd, into, offset, length, position, (error, bytesRead) => (error ? fail(error) : done(bytesRead))),
  );
}

/** Reads exactly `into.byteLength` bytes at `position`. */
async function readFully(fd: number, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const n = await readAt(fd, into, done, into.byteLength - done, position + done);
    if (n === 0) throw new FedLedgerError("INTERNAL", "Stored update ended early");
    done += n;
  }
}

/**
 * Reads parameters [offset, offset + into.length) of an update whose layers lie at
 * `layers` in the object open as `fd`: float32 data lands in `into` with no copy (the file
 * offset needs no alignment); int8 data is dequantized as decodeWeights does (q · scale,
 * rounded to float32).
 */
async function readParameters(fd: number, dtype: WeightsFrame["dtype"], layers: readonly LayerLocation[], firsts: readonly number[], offset: number, into: Float32Array): Promise<void> {
  const end = offset + into.length;
  const reads: Promise<void>[] = [];
  for (let i = 0; i < layers.length; i++) {
    const first = firsts[i] as number;
    const next = firsts[i + 1] as number;
    if (next <= offset || first >= end) continue;
    const from = Math.max(offset, first);
    const count = Math.min(end, next) - from;
    const at = layers[i] as LayerLocation;
    const target = into.subarray(from - offset, from - offset + count);
    if (dtype === "f32") {
      reads.push(readFully(fd, new Uint8Array(target.buffer, target.byteOffset, target.byteLength), at.byteOffset + (from - first) * 4));
    } else {
      const quantized = new Int8Array(count);
      reads.push(
        readFully(fd, new Uint8Array(quantized.buffer), at.byteOffset + (from - first)).then(() => {
          for (let k = 0; k < count; k++) target[k] = (quantized[k] as number) * at.scale;
        }),
      );
    }
  }
  await allReads(reads);
}

/**
 * The update source of a running coordinator: positioned reads of the signed objects on
 * cached file descriptors, so an aggregation streams every update chunk by chunk and never
 * loads a whole object.
 */
export function createObjectUpdateSource(content: ContentStore, layout: readonly LayerSpec[], options: ObjectUpdateSourceOptions = {}): ObjectUpdateSource {
  const maxOpenFiles = options.maxOpenFiles ?? 128;
  const maxFrames = options.maxFrames ?? 4_096;
  for (const [key, value] of [["maxOpenFiles", maxOpenFiles], ["maxFrames", maxFrames]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new FedLedgerError("INVALID_CONFIG", `${key} must be a positive integer`, { details: String(value) });
    }
  }
  // firsts[i]: index of layer i's first parameter in the flattened update; firsts[n] = P.
  const firsts = [0];
  for (const layer of layout) firsts.push((firsts.at(-1) as number) + layerSize(layer));
  const parameterCount = firsts.at(-1) as number;
  if (parameterCount < 1) throw new FedLedgerError("INVALID_CONFIG", "The layout has no parameters");
  // Map order is recency order: the first entry is the least recently used.
  const frames = new Map<Hex, Promise<WeightsFrame>>();
  const files = new Map<Hex, OpenFile>();
  let closed = false;

  const touch = <T>(map: Map<Hex, T>, key: Hex, value: T): void => {
    map.delete(key);
    map.set(key, value);
  };

  function remember(key: Hex, frame: Promise<WeightsFrame>): void {
    touch(frames, key, frame);
    for (const oldest of frames.keys()) {
      if (frames.size <= maxFrames) break;
      frames.delete(oldest);
    }
  }

  function frameOf(key: Hex): Promise<WeightsFrame> {
    const known = frames.get(key);
    if (known) {
      touch(frames, key, known);
      return known;
    }
    // get() re-hashes the object: a frame is only ever parsed from the bytes that were signed.
    const parsed = content.get(key).then((bytes) => parseWeightsFrame(bytes, layout));
    parsed.catch(() => {
      if (frames.get(key) === parsed) frames.delete(key);
    });
    remember(key, parsed);
    return parsed;
  }

  function evictIdle(): void {
    for (const [key, file] of files) {
      if (files.size <= maxOpenFiles) return;
      if (file.users > 0) continue; // in use: closing it could hand its number to another file
      files.delete(key);
      void file.fd.then(closeFd, () => undefined);
    }
  }

  async function acquire(key: Hex): Promise<{ file: OpenFile; fd: number }> {
    let file = files.get(key);
    if (!file) {
      const opened: OpenFile = { fd: openFd(content.pathOf(key)), users: 0 };
      opened.fd.catch(() => {
        if (files.get(key) === opened) files.delete(key);
      });
      file = opened;
    }
    touch(files, key, file);
    file.users++;
    try {
      return { file, fd: await file.fd };
    } catch (cause) {
      file.users--;
      throw new FedLedgerError("INTERNAL", "Could not open update", { details: key, cause });
    }
  }

  return {
    parameterCount,
    locate(updateHash, frame) {
      if (frame.layers.length !== layout.length) {
        throw new FedLedgerError("SHAPE_MISMATCH", "The frame does not match the layout", { details: `${frame.layers.length} layers` });
      }
      remember(canonicalSha256Hex(updateHash), Promise.resolve(frame));
    },
    async read(updateHash, offset, into) {
      if (closed) throw new FedLedgerError("INTERNAL", "Update source is closed");
      if (!Number.isSafeInteger(offset) || offset < 0 || offset + into.length > parameterCount) {
        throw new FedLedgerError("INTERNAL", "Update read out of range", { details: `[${offset}, ${offset + into.length}) of ${parameterCount} parameters` });
      }
      const key = canonicalSha256Hex(updateHash);
      const frame = await frameOf(key);
      const { file, fd } = await acquire(key);
      try {
        await readParameters(fd, frame.dtype, frame.layers, firsts, offset, into);
      } catch (cause) {
        if (cause instanceof FedLedgerError) throw new FedLedgerError(cause.code, cause.shortMessage, { details: key, cause });
        throw new FedLedgerError("INTERNAL", "Could not read update", { details: key, cause });
      } finally {
        file.users--;
        evictIdle();
      }
    },
    async close() {
      closed = true;
      const open = [...files.values()];
      files.clear();
      frames.clear();
      await Promise.all(open.map((file) => file.fd.then(closeFd, () => undefined)));
    },
  };
}
