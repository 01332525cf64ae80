import { isErrorCode } from "@fedledger/client-sdk";
import type { FuzzCase } from "./fuzzCase.ts";

type Finding = { id: number; label: string; detail?: string };

/** What a fuzz run saw, filled in by every lane. */
export function createFuzzReport(onProgress?: (messages: number) => void) {
  const report = {
    messages: 0,
    byClass: {} as Record<string, number>,
    /** Answers `ok: true` (or a CONNECT) to a case that had to be refused. */
    acceptedBad: [] as Finding[],
    /** Refusal codes seen, all from the closed set. */
    codes: {} as Record<string, number>,
    /** Answers that are neither `ok: true` nor a refusal with a code from the closed set. */
    badCodes: [] as Finding[],
    /** Calls with an ack id that the coordinator never answered, by label. */
    unanswered: {} as Record<string, number>,
    /** A liveness probe that got no answer while the connection stayed open. */
    hangs: [] as Finding[],
    /** HTTP answers with a 5xx status. */
    serverErrors: [] as Finding[],
    /** Connections the coordinator closed (the usual answer to a malformed frame). */
    closedByServer: 0,
    /** Frames from the coordinator that the protocol's own parser refuses. */
    malformedFromServer: 0,
    /** Connections or logins the coordinator refused to the fuzzer (limits). */
    refusedConnections: 0,
  };
  return {
    report,
    sent(c: FuzzCase): void {
      report.messages += 1;
      if (report.messages % 1_000 === 0) onProgress?.(report.messages);
      report.byClass[c.klass] = (report.byClass[c.klass] ?? 0) + 1;
    },
    /** Judges one answer to case `c`: an ack payload, or `{ connected: true }` / a CONNECT_ERROR's data. */
    answer(c: FuzzCase, answer: unknown): void {
      const ack = answer as { ok?: unknown; error?: { code?: unknown } } | undefined;
      if (ack?.ok === true) {
        if (c.mustRefuse) report.acceptedBad.push({ id: c.id, label: c.label });
        return;
      }
      const code = ack?.error?.code;
      if (ack?.ok === false && isErrorCode(code)) report.codes[code] = (report.codes[code] ?? 0) + 1;
      else report.badCodes.push({ id: c.id, label: c.label, detail: JSON.stringify(answer)?.slice(0, 200) });
    },
    unanswered(c: FuzzCase): void {
      report.unanswered[c.label] = (report.unanswered[c.label] ?? 0) + 1;
    },
    hang(c: FuzzCase, detail: string): void {
      report.hangs.push({ id: c.id, label: c.label, detail });
    },
    serverError(c: FuzzCase, status: number): void {
      report.serverErrors.push({ id: c.id, label: c.label, detail: String(status) });
    },
    closed(): void {
      report.closedByServer += 1;
    },
    malformedFromServer(): void {
      report.malformedFromServer += 1;
    },
    refusedConnection(): void {
      report.refusedConnections += 1;
    },
  };
}

export type FuzzRecorder = ReturnType<typeof createFuzzReport>;
export type FuzzReport = FuzzRecorder["report"];
