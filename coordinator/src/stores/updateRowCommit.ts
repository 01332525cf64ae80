import type { NewUpdateRow, StateStore } from "./stateStore.ts";

/**
 * Acknowledged updates' rows inserted together: the rows queued while the event loop runs
 * (the puts of one group commit finish together, and each then inserts its row) go into
 * one SQLite transaction, so they share one sync (synchronous=FULL) instead of each
 * blocking the event loop for its own. Each insert resolves after that commit, so an ack
 * still follows a durable row.
 */
export type UpdateRowCommit = {
  /**
   * Inserts `row` in the next commit: true if it was inserted, false if the participant
   * already has a row for the round, "closed" if `stillOpen` says no at commit time (the
   * row is then not inserted).
   */
  insert(row: NewUpdateRow, stillOpen: () => boolean): Promise<boolean | "closed">;
  /** Commits so far, and the rows they inserted. */
  readonly stats: { readonly commits: number; readonly rows: number };
};

type Queued = { row: NewUpdateRow; stillOpen: () => boolean; resolve: (outcome: boolean | "closed") => void; reject: (error: unknown) => void };

export function createUpdateRowCommit(state: Pick<StateStore, "insertUpdates">): UpdateRowCommit {
  let queue: Queued[] = [];
  const stats = { commits: 0, rows: 0 };

  function commit(): void {
    const batch = queue;
    queue = [];
    // Checked here, in the same synchronous step as the insert: no round closes in between.
    const open: Queued[] = [];
    for (const q of batch) {
      if (q.stillOpen()) open.push(q);
      else q.resolve("closed");
    }
    if (open.length === 0) return;
    let inserted: boolean[];
    try {
      inserted = state.insertUpdates(open.map((q) => q.row));
    } catch (error) {
      for (const q of open) q.reject(error);
      return;
    }
    stats.commits++;
    stats.rows += inserted.filter(Boolean).length;
    open.forEach((q, i) => q.resolve(inserted[i] as boolean));
  }

  return {
    insert(row, stillOpen) {
      return new Promise((resolve, reject) => {
        if (queue.length === 0) setImmediate(commit);
        queue.push({ row, stillOpen, resolve, reject });
      });
    },
    stats,
  };
}
