import type { FuzzCase } from "./fuzzCase.ts";
import type { FuzzRecorder } from "./fuzzReport.ts";

/**
 * The calls sent on one connection that may still be answered. An answer is judged
 * against the case that carried its ack id; an answer under an id nobody set (a case
 * that chose its own odd id) is judged against the case in flight. Liveness probes
 * have their own ids and are not judged.
 */
export function createAnswerBook(recorder: FuzzRecorder) {
  const pending = new Map<number, { c: FuzzCase; resolve: () => void }>();
  const probes = new Map<number, () => void>();
  let current: FuzzCase | undefined;
  return {
    /** Registers `id` for case `c`; resolves when it is answered. */
    expect(id: number, c: FuzzCase): Promise<void> {
      current = c;
      return new Promise((resolve) => pending.set(id, { c, resolve }));
    },
    probe(id: number): Promise<void> {
      return new Promise((resolve) => probes.set(id, resolve));
    },
    deliver(id: unknown, data: unknown): void {
      if (typeof id === "number" && probes.has(id)) {
        probes.get(id)!();
        probes.delete(id);
        return;
      }
      const entry = typeof id === "number" ? pending.get(id) : undefined;
      if (entry) {
        pending.delete(id as number);
        recorder.answer(entry.c, data);
        entry.resolve();
      } else if (current) recorder.answer(current, data);
    },
    isPending: (id: number) => pending.has(id),
    /** Stops tracking `id` (its case was answered another way). */
    forget: (id: number) => void pending.delete(id),
    /** The connection is gone: calls that should have been answered and were not are counted. */
    close(): void {
      for (const { c } of pending.values()) if (c.expectsAnswer) recorder.unanswered(c);
      pending.clear();
      probes.clear();
    },
  };
}

export type AnswerBook = ReturnType<typeof createAnswerBook>;

export const delay = (ms: number) => new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms).unref());

/** How long to wait for a probe before calling the coordinator hung. */
export const PROBE_TIMEOUT_MS = 15_000;
/**
 * How long a lane waits, after its probe came back, for an answer still due (an async
 * handler can answer after the probe). A later answer is still judged: a call counts as
 * unanswered only when its connection ends without one.
 */
export const ANSWER_GRACE_MS = 100;
