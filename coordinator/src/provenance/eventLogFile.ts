import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Address } from "viem";
import { type EventLogData, eventLogError, type EventLogHead, type EventLogType, FedLedgerError, nextEventLogEntry, verifyEventLog } from "@fedledger/client-sdk";

/** Submissions refused before an ack in one round, per participant and reason. */
export type RefusedSubmissions = { participant: Address; reason: string; count: number }[];

/** The coordinator's side of the event log (the format: the SDK's provenance/eventLog.ts). */
export type EventLog = {
  /** Appends one entry, written to the file before it returns (not yet fsynced); returns the new head. */
  append<T extends EventLogType>(type: T, data: EventLogData[T]): EventLogHead;
  /** Makes every entry so far durable (fsync) and returns the head: what a round statement anchors. */
  sync(): EventLogHead;
  head(): EventLogHead;
  /** Whether the log held entries when it was opened: this coordinator resumes an earlier one. */
  readonly resumed: boolean;
  /** The submissions refused in `round` so far, from the whole log (so across restarts). */
  refusedSubmissions(round: number): RefusedSubmissions;
  close(): void;
};

function fsyncDirectory(dir: string): void {
  if (process.platform === "win32") return;
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens the log at `path`, creating it if absent. An existing log is verified whole first
 * and continued from its head; one that fails verification refuses to open
 * (EVENT_LOG_CORRUPT, naming the first bad line and what is wrong with it), so a
 * coordinator never appends to a chain it cannot vouch for.
 *
 * Each entry is one synchronous write of a whole line; `sync` fsyncs. Writes after a failed
 * one are refused (INTERNAL): a half-written line would break the chain.
 */
export function openEventLog(path: string, options: { now?: () => number } = {}): EventLog {
  const now = options.now ?? Date.now;
  const existed = existsSync(path);
  const text = existed ? readFileSync(path, "utf8") : "";
  const verified = verifyEventLog(text);
  if (verified.problem) throw eventLogError(verified.problem, path);
  let head = verified.head;
  // round -> "participant reason" -> count
  const refusals = new Map<number, Map<string, number>>();
  const countRefusal = (data: Record<string, unknown>) => {
    const { round, participant, reason } = data;
    if (typeof round !== "number" || typeof participant !== "string" || typeof reason !== "string") return;
    const counts = refusals.get(round) ?? new Map<string, number>();
    const key = `${participant} ${reason}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    refusals.set(round, counts);
  };
  for (const entry of verified.entries) if (entry.type === "submission.refused") countRefusal(entry.data);

  const fd = openSync(path, "a");
  if (!existed) {
    fsyncSync(fd);
    fsyncDirectory(dirname(path));
  }
  let broken: unknown;
  let closed = false;

  return {
    resumed: verified.entries.length > 0,
    append(type, data) {
      if (closed) throw new FedLedgerError("INTERNAL", "The event log is closed");
      if (broken !== undefined) throw new FedLedgerError("INTERNAL", "The event log cannot be written since an earlier write failed", { cause: broken });
      const { entry, line } = nextEventLogEntry(head, new Date(now()).toISOString(), type, data);
      const bytes = Buffer.from(line, "utf8");
      try {
        for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      } catch (cause) {
        broken = cause;
        throw new FedLedgerError("INTERNAL", "Could not append to the event log", { details: `${path}: ${String(cause)}`, cause });
      }
      head = { seq: entry.seq, hash: entry.hash };
      if (type === "submission.refused") countRefusal(entry.data);
      return head;
    },
    sync() {
      if (broken !== undefined) throw new FedLedgerError("INTERNAL", "The event log cannot be written since an earlier write failed", { cause: broken });
      fsyncSync(fd);
      return head;
    },
    head: () => head,
    refusedSubmissions(round) {
      return [...(refusals.get(round) ?? new Map<string, number>())].map(([key, count]) => {
        const [participant, reason] = key.split(" ") as [Address, string];
        return { participant, reason, count };
      });
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
  };
}
