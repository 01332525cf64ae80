import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isFedLedgerError, verifyEventLog } from "@fedledger/client-sdk";
import { openEventLog } from "./eventLogFile.ts";

const alice = "0x00000000000000000000000000000000000000a1";
const hash = `0x${"ab".repeat(32)}` as const;
const logPath = () => join(mkdtempSync(join(tmpdir(), "fedledger-event-log-")), "event-log.jsonl");

describe("the coordinator's event log file", () => {
  it("appends verified lines and, reopened, continues from its head with the refusals it holds", () => {
    const path = logPath();
    let clock = Date.UTC(2025, 0, 1);
    const first = openEventLog(path, { now: () => clock++ });
    expect(first.resumed).toBe(false);
    first.append("submission.refused", { round: 1, participant: alice, updateHash: hash, reason: "LATE_SUBMISSION" });
    first.append("submission.refused", { round: 1, participant: alice, updateHash: null, reason: "LATE_SUBMISSION" });
    const head = first.append("submission.refused", { round: 2, participant: alice, updateHash: null, reason: "INVALID_PAYLOAD" });
    expect(first.sync()).toEqual(head);
    first.close();
    expect(() => first.append("round.aborted", { round: 1, attempt: 1, reason: "x" })).toThrow(/closed/);

    const text = readFileSync(path, "utf8");
    const verified = verifyEventLog(text);
    expect(verified).toMatchObject({ head, problem: undefined });
    expect(verified.entries[0]?.at).toBe("2025-01-01T00:00:00.000Z");

    const second = openEventLog(path);
    expect(second.resumed).toBe(true);
    expect(second.head()).toEqual(head);
    expect(second.refusedSubmissions(1)).toEqual([{ participant: alice, reason: "LATE_SUBMISSION", count: 2 }]);
    const next = second.append("round.aborted", { round: 1, attempt: 1, reason: "quorum" });
    expect(next.seq).toBe(4);
    second.close();
    expect(verifyEventLog(readFileSync(path, "utf8")).problem).toBeUndefined();
  });

  it("refuses to open a log that fails verification (EVENT_LOG_CORRUPT, naming the line and the kind)", () => {
    const path = logPath();
    const log = openEventLog(path);
    for (let round = 1; round <= 3; round++) log.append("round.aborted", { round, attempt: 1, reason: "quorum" });
    log.close();
    const lines = readFileSync(path, "utf8").split("\n");
    writeFileSync(path, [lines[0], lines[2], ""].join("\n"));
    let error: unknown;
    try {
      openEventLog(path);
    } catch (e) {
      error = e;
    }
    expect(isFedLedgerError(error, "EVENT_LOG_CORRUPT")).toBe(true);
    expect(isFedLedgerError(error) && error.message).toMatch(/\(missing\)[\s\S]*entry 2 is missing/);
  });
});
