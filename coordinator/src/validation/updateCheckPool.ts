import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Hex } from "viem";
import { contentHash, type ErrorCode, FedLedgerError, type LayerSpec, type MeasuredWeights, measureWeights } from "@fedledger/client-sdk";

/** An update's bytes, hashed, and their measurement. */
export type CheckedUpdate = {
  /** The bytes to use from here on: the view given to `check` is detached if they went to a worker. */
  bytes: Uint8Array;
  /** SHA-256 of the bytes, as contentHash returns it. */
  hash: Hex;
  /** measureWeights(bytes, layout), or throws the FedLedgerError it throws. */
  measure(): MeasuredWeights;
  /** Whether a worker thread did the work. */
  offloaded: boolean;
};

/**
 * Hashes and measures large updates on worker threads, so that the event loop stays free.
 *
 * `check` moves the bytes' ArrayBuffer to a worker and back (no copy), so the caller must
 * use the returned `bytes` afterwards. Only bytes that span a whole ArrayBuffer of their own
 * move, such as an update received from a socket: a view inside a larger buffer (an
 * encoder's output, a slice of a read buffer) may share it with others. Everything else
 * (small updates, views, a SharedArrayBuffer, a buffer that cannot be transferred) is
 * checked on the event loop, as are all updates while no worker is ready or after a
 * worker failed to start. A worker that stops mid-job rejects that job with
 * INTERNAL (the update is refused, never accepted unchecked); the next job starts a new one.
 */
export type UpdateCheckPool = {
  check(bytes: Uint8Array, layout: readonly LayerSpec[]): Promise<CheckedUpdate>;
  /** Starts every worker; true once all are ready, false if one failed to start. */
  whenReady(): Promise<boolean>;
  /** The running workers (tests stop one to inject a fault). */
  readonly workers: readonly Worker[];
  /** Stops the workers; later checks run on the event loop. */
  close(): Promise<void>;
};

export type UpdateCheckPoolOptions = {
  /** Worker threads; default DEFAULT_UPDATE_CHECK_WORKERS. */
  size?: number;
  /** Smaller updates are checked on the event loop; default MIN_OFFLOADED_BYTES. */
  minOffloadedBytes?: number;
  /** Told about a worker's uncaught error (the pool recovers by itself). */
  onWorkerError?: (error: unknown) => void;
};

/** Below this, moving the bytes to a worker costs more than it saves. */
export const MIN_OFFLOADED_BYTES = 256 * 1024;
/** Leave a core to the event loop; two workers keep up with it. */
export const DEFAULT_UPDATE_CHECK_WORKERS = Math.max(1, Math.min(availableParallelism() - 1, 2));

/** A job for the worker, and its reply (the same bytes, moved back). */
export type CheckJob = { id: number; bytes: Uint8Array; layout: readonly LayerSpec[] };
export type CheckReply = {
  id: number;
  bytes: Uint8Array;
  hash: Hex;
  outcome: { measured: MeasuredWeights } | { error: { code: ErrorCode; shortMessage: string; details: string | undefined } };
};
export type WorkerMessage = CheckReply | { ready: true };

const WORKER_ENTRY = new URL("./updateCheckWorker.ts", import.meta.url);

/** The same checks on the event loop: hashes now, measures when asked (after the signature). */
export async function checkOnEventLoop(bytes: Uint8Array, layout: readonly LayerSpec[]): Promise<CheckedUpdate> {
  const hash = await contentHash(bytes);
  return { bytes, hash, measure: () => measureWeights(bytes, layout), offloaded: false };
}

type Pending = { resolve: (reply: CheckReply) => void; reject: (error: FedLedgerError) => void };
type Slot = { worker: Worker; ready: boolean; started: Promise<boolean>; pending: Map<number, Pending> };

export function createUpdateCheckPool(options: UpdateCheckPoolOptions = {}): UpdateCheckPool {
  const minOffloadedBytes = options.minOffloadedBytes ?? MIN_OFFLOADED_BYTES;
  const slots: (Slot | undefined)[] = Array.from({ length: Math.max(1, options.size ?? DEFAULT_UPDATE_CHECK_WORKERS) }, () => undefined);
  let disabled = false;
  let closed = false;
  let nextId = 0;

  function start(index: number): Slot | undefined {
    let worker: Worker;
    try {
      // The workspaces' sources, as the coordinator itself runs (only this flag: a worker refuses process-wide ones).
      worker = new Worker(WORKER_ENTRY, { execArgv: ["--conditions=source"] });
    } catch (error) {
      disabled = true;
      options.onWorkerError?.(error);
      return undefined;
    }
    worker.unref();
    let settleStart: (ready: boolean) => void = () => undefined;
    const started = new Promise<boolean>((resolve) => (settleStart = resolve));
    const slot: Slot = { worker, ready: false, started, pending: new Map() };
    worker.on("message", (message: WorkerMessage) => {
      if ("ready" in message) {
        slot.ready = true;
        settleStart(true);
        return;
      }
      const job = slot.pending.get(message.id);
      if (!job) return;
      slot.pending.delete(message.id);
      if (slot.pending.size === 0) worker.unref();
      job.resolve(message);
    });
    worker.on("error", (error) => options.onWorkerError?.(error));
    // A reply that cannot be read would leave its job waiting forever: start over.
    worker.on("messageerror", () => void worker.terminate());
    worker.on("exit", () => {
      if (slots[index] === slot) slots[index] = undefined;
      // One that never got ready cannot load (or was stopped while loading): stay on the event loop.
      if (!slot.ready) disabled = true;
      settleStart(false);
      for (const job of slot.pending.values()) {
        job.reject(new FedLedgerError("INTERNAL", "The update's checks were interrupted", { details: "the checking worker stopped" }));
      }
      slot.pending.clear();
    });
    slots[index] = slot;
    return slot;
  }

  /** The ready worker with the fewest jobs, starting any that is missing. */
  function readySlot(): Slot | undefined {
    let best: Slot | undefined;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] ?? (disabled ? undefined : start(i));
      if (slot?.ready && (!best || slot.pending.size < best.pending.size)) best = slot;
    }
    return disabled ? undefined : best;
  }

  return {
    async check(bytes, layout) {
      const { buffer } = bytes;
      const ownBuffer = buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength;
      if (closed || bytes.byteLength < minOffloadedBytes || !ownBuffer) return checkOnEventLoop(bytes, layout);
      const slot = readySlot();
      if (!slot) return checkOnEventLoop(bytes, layout);
      const id = nextId++;
      const replied = new Promise<CheckReply>((resolve, reject) => slot.pending.set(id, { resolve, reject }));
      const job: CheckJob = { id, bytes, layout };
      try {
        slot.worker.postMessage(job, [buffer]);
      } catch {
        // Not transferable (the buffer is left as it was): check it here.
        slot.pending.delete(id);
        return checkOnEventLoop(bytes, layout);
      }
      if (slot.pending.size === 1) slot.worker.ref();
      const { bytes: returned, hash, outcome } = await replied;
      return {
        bytes: returned,
        hash,
        measure: () => {
          if ("measured" in outcome) return outcome.measured;
          const { code, shortMessage, details } = outcome.error;
          throw new FedLedgerError(code, shortMessage, details === undefined ? {} : { details });
        },
        offloaded: true,
      };
    },
    async whenReady() {
      if (closed || disabled) return false;
      const started = slots.map((slot, i) => slot ?? start(i));
      const ready = await Promise.all(started.map((slot) => slot?.started ?? false));
      return ready.every(Boolean);
    },
    get workers() {
      return slots.flatMap((slot) => (slot ? [slot.worker] : []));
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((slot) => slot?.worker.terminate()));
    },
  };
}
