import type { Address, Hex } from "viem";
import { z } from "zod";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { bytes32Schema } from "../protocol/messages.ts";
import { canonicalDigest, canonicalJson } from "./canonicalJson.ts";

/**
 * The coordinator's event log (EU AI Act Art. 12): an append-only file of JSON Lines, one
 * entry per event, each entry hash-chained to the one before it. An entry is
 * `{seq, at, type, data, prev, hash}` written in canonical JSON (RFC 8785): `seq` counts
 * from 1, `at` is the ISO time, `prev` the previous entry's `hash` (GENESIS_PREV for the
 * first), and `hash` the SHA-256 of the canonical JSON of the entry without `hash`. Each
 * round statement carries the head (seq and hash) right before it was built, and the
 * statement's digest is on-chain: editing, dropping or reordering an anchored entry breaks
 * either the chain or an anchor.
 */
export const EVENT_LOG_GENESIS_PREV: Hex = `0x${"0".repeat(64)}`;

/** The head of a log: its last entry's seq and hash; seq 0 and GENESIS_PREV when empty. */
export type EventLogHead = { readonly seq: number; readonly hash: Hex };

export const EMPTY_EVENT_LOG_HEAD: EventLogHead = { seq: 0, hash: EVENT_LOG_GENESIS_PREV };

/** An update's refusal reason: a protocol error code. */
type Reason = string;

/** What each event type carries. Free text a peer chose never goes in (codes and hashes only). */
export type EventLogData = {
  /** A coordinator started on a fresh log. */
  start: { software: { name: string; version: string }; coordinator: Address; chainId: number; ledger: Address };
  /** A coordinator started on an existing log and state: it resumes them. */
  restart: { software: { name: string; version: string }; coordinator: Address; chainId: number; ledger: Address; resumed: { round: number; status: string } | null };
  /** The effective config, defaults resolved, secrets and RPC credentials left out. */
  config: { config: Record<string, unknown> };
  "round.opened": { round: number; attempt: number; baseModelHash: Hex; deadline: string; selected: Address[]; resumed: boolean };
  "round.aborted": { round: number; attempt: number; reason: string };
  "submission.accepted": { round: number; participant: Address; updateHash: Hex; numSamples: number; duplicate: boolean };
  /** `round` and `updateHash` as the submission declared them, null when it could not be read. */
  "submission.refused": { round: number | null; participant: Address; updateHash: Hex | null; reason: Reason };
  "round.aggregated": {
    round: number;
    aggregateModelHash: Hex;
    accepted: { participant: Address; updateHash: Hex }[];
    leftOut: { participant: Address; updateHash: Hex; reason: Reason }[];
  };
  "round.recorded": { round: number; aggregateModelHash: Hex; statementDigest: Hex; transactionHash: Hex; gasUsed: string };
};
export type EventLogType = keyof EventLogData;

export type EventLogEntry = {
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly prev: Hex;
  readonly hash: Hex;
};

const lowerHash = bytes32Schema.refine((h) => h === h.toLowerCase(), "expected lowercase hex");
const entrySchema = z.strictObject({
  seq: z.int().positive(),
  at: z.string().min(1),
  type: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
  prev: lowerHash,
  hash: lowerHash,
});

/** The hash of an entry: SHA-256 of the canonical JSON of its fields but `hash`. */
export function eventLogEntryHash(entry: Omit<EventLogEntry, "hash">): Hex {
  return canonicalDigest({ seq: entry.seq, at: entry.at, type: entry.type, data: entry.data, prev: entry.prev });
}

/** The entry that follows `head`, and its line (canonical JSON and a newline). */
export function nextEventLogEntry(head: EventLogHead, at: string, type: string, data: Record<string, unknown>): { entry: EventLogEntry; line: string } {
  const body = { seq: head.seq + 1, at, type, data: JSON.parse(canonicalJson(data)) as Record<string, unknown>, prev: head.hash };
  const entry = { ...body, hash: eventLogEntryHash(body) };
  return { entry, line: `${canonicalJson(entry)}\n` };
}

/**
 * Why a log fails verification, at the first bad line (1-based):
 * - `malformed`: not an entry in canonical JSON (an edited byte that breaks the form, a torn last line);
 * - `hash`: the entry's content does not hash to its `hash` (an edited byte);
 * - `missing`: the entry expected next is nowhere in the log (an entry dropped);
 * - `reordered`: the entry expected next comes later (entries swapped or moved);
 * - `prev`: seqs in order, but the entry does not link to the one before (an entry replaced).
 */
export type EventLogProblem = {
  readonly kind: "malformed" | "hash" | "missing" | "reordered" | "prev";
  readonly line: number;
  readonly message: string;
};

export type EventLogVerification = {
  /** The entries verified, in order, up to the first problem. */
  readonly entries: readonly EventLogEntry[];
  /** The head of the verified entries. */
  readonly head: EventLogHead;
  /** The first problem; undefined when the whole log verifies. */
  readonly problem: EventLogProblem | undefined;
};

function parseLine(text: string): EventLogEntry | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  const parsed = entrySchema.safeParse(value);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join(".") || "(entry)"}: ${i.message}`).join("; ");
  if (canonicalJson(parsed.data) !== text) return "not in canonical JSON";
  return parsed.data;
}

/** The seq a line declares, if it reads as JSON with an integer `seq`. */
function declaredSeq(text: string): number | undefined {
  try {
    const value: unknown = JSON.parse(text);
    const seq = typeof value === "object" && value !== null && "seq" in value ? value.seq : undefined;
    return Number.isSafeInteger(seq) ? (seq as number) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a whole log (the file's text): every line an entry in canonical JSON whose
 * hash matches its content, seqs 1, 2, 3, … with no gap, each `prev` the hash before it
 * (GENESIS_PREV first), and a newline after the last entry. Stops at the first problem
 * and says which kind it is. An empty text is an empty log.
 */
export function verifyEventLog(text: string): EventLogVerification {
  const entries: EventLogEntry[] = [];
  let head = EMPTY_EVENT_LOG_HEAD;
  const done = (problem?: EventLogProblem): EventLogVerification => ({ entries, head, problem });
  if (text === "") return done();
  const lines = text.split("\n");
  const torn = lines.pop() !== "";
  for (const [index, line] of lines.entries()) {
    const number = index + 1;
    const expected = head.seq + 1;
    const seq = declaredSeq(line);
    if (seq !== undefined && seq !== expected) {
      const later = lines.slice(index + 1).some((l) => declaredSeq(l) === expected);
      return later || seq < expected
        ? done({ kind: "reordered", line: number, message: `entry ${seq} where entry ${expected} belongs: the log is out of order` })
        : done({ kind: "missing", line: number, message: `entry ${expected} is missing: entry ${head.seq} is followed by entry ${seq}` });
    }
    const entry = parseLine(line);
    if (typeof entry === "string") return done({ kind: "malformed", line: number, message: `line ${number} is not a log entry: ${entry}` });
    if (eventLogEntryHash(entry) !== entry.hash) return done({ kind: "hash", line: number, message: `entry ${entry.seq} does not hash to its recorded hash: it was edited` });
    if (entry.prev !== head.hash) return done({ kind: "prev", line: number, message: `entry ${entry.seq} does not link to entry ${head.seq}: an entry was replaced` });
    entries.push(entry);
    head = { seq: entry.seq, hash: entry.hash };
  }
  if (torn) return done({ kind: "malformed", line: lines.length + 1, message: `line ${lines.length + 1} is not a whole entry (no newline at its end): a torn write or an edit` });
  return done();
}

/** The problem as an error: EVENT_LOG_CORRUPT naming `where`. */
export function eventLogError(problem: EventLogProblem, where: string): FedLedgerError {
  return new FedLedgerError("EVENT_LOG_CORRUPT", `The event log ${where} fails verification (${problem.kind})`, { details: problem.message });
}
