import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { EMPTY_EVENT_LOG_HEAD, EVENT_LOG_GENESIS_PREV, eventLogEntryHash, eventLogError, type EventLogHead, nextEventLogEntry, verifyEventLog } from "./eventLog.ts";

/** A log of `count` entries, as the coordinator writes it. */
function writeLog(count: number): { text: string; heads: EventLogHead[] } {
  let head = EMPTY_EVENT_LOG_HEAD;
  let text = "";
  const heads: EventLogHead[] = [];
  for (let i = 0; i < count; i++) {
    const { entry, line } = nextEventLogEntry(head, `2025-01-01T00:00:0${i}.000Z`, "submission.accepted", { round: 1, participant: `0x${String(i).repeat(40)}`, numSamples: 80 + i });
    text += line;
    head = { seq: entry.seq, hash: entry.hash };
    heads.push(head);
  }
  return { text, heads };
}

const lines = (text: string) => text.split("\n").slice(0, -1);
const join = (list: readonly string[]) => `${list.join("\n")}\n`;

describe("event log", () => {
  it("chains entries from the genesis prev: seq 1, 2, …, each hash over the entry without it", () => {
    const { text, heads } = writeLog(4);
    const result = verifyEventLog(text);
    expect(result.problem).toBeUndefined();
    expect(result.head).toEqual(heads[3]);
    expect(result.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(result.entries[0]?.prev).toBe(EVENT_LOG_GENESIS_PREV);
    for (const [i, e] of result.entries.entries()) {
      expect(e.hash).toBe(eventLogEntryHash(e));
      if (i > 0) expect(e.prev).toBe(result.entries[i - 1]?.hash);
    }
    expect(verifyEventLog("")).toEqual({ entries: [], head: EMPTY_EVENT_LOG_HEAD, problem: undefined });
  });

  it("finds one changed byte: the entry no longer hashes to its hash", () => {
    const { text } = writeLog(4);
    const tampered = text.replace('"numSamples":82', '"numSamples":92');
    expect(tampered).not.toBe(text);
    const result = verifyEventLog(tampered);
    expect(result.problem).toMatchObject({ kind: "hash", line: 3 });
    expect(result.head.seq).toBe(2);
    // A byte that breaks the canonical form (here: a space) is malformed, not silently accepted.
    expect(verifyEventLog(text.replace('"round":1', '"round": 1')).problem).toMatchObject({ kind: "malformed", line: 1 });
  });

  it("finds one dropped entry: the seq jumps", () => {
    const all = lines(writeLog(4).text);
    const result = verifyEventLog(join([all[0]!, all[2]!, all[3]!]));
    expect(result.problem).toMatchObject({ kind: "missing", line: 2 });
    expect(result.problem?.message).toContain("entry 2 is missing");
  });

  it("finds two swapped entries: the seq goes back", () => {
    const all = lines(writeLog(4).text);
    const result = verifyEventLog(join([all[0]!, all[2]!, all[1]!, all[3]!]));
    expect(result.problem).toMatchObject({ kind: "reordered", line: 2 });
  });

  it("finds a replaced entry (a fresh hash that does not link), and a torn last line", () => {
    const { text } = writeLog(3);
    const all = lines(text);
    const forged = nextEventLogEntry({ seq: 1, hash: `0x${"ab".repeat(32)}` }, "2025-01-01T00:00:09.000Z", "submission.refused", { round: 1 }).line.trimEnd();
    expect(verifyEventLog(join([all[0]!, forged, all[2]!])).problem).toMatchObject({ kind: "prev", line: 2 });
    expect(verifyEventLog(text.slice(0, -5)).problem).toMatchObject({ kind: "malformed", line: 3 });
  });

  it("turns a problem into EVENT_LOG_CORRUPT", () => {
    const error = eventLogError({ kind: "missing", line: 2, message: "entry 2 is missing" }, "/tmp/x");
    expect(isFedLedgerError(error, "EVENT_LOG_CORRUPT")).toBe(true);
    expect(error.shortMessage).toContain("(missing)");
  });
});
