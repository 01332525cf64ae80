import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { type NewUpdateRow, openStateStore } from "./stateStore.ts";
import { createUpdateRowCommit } from "./updateRowCommit.ts";

const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
const address = (n: number): Address => `0x${n.toString(16).padStart(40, "0")}`;
const row = (participant: number, update: number): NewUpdateRow => ({
  round: 1,
  participant: address(participant),
  updateHash: hash(update),
  numSamples: 10,
  signature: `0x${"11".repeat(65)}`,
  datasetCommitment: hash(9),
  dtype: "f32",
  norm: update,
});

function openStore() {
  const path = join(mkdtempSync(join(tmpdir(), "fedledger-rows-")), "state.sqlite");
  const state = openStateStore(path);
  state.openRound(1, 1, hash(1), Date.now() + 60_000, Array.from({ length: 20 }, (_, i) => address(i + 1)));
  return { state, path };
}

describe("update rows inserted together", () => {
  it("inserts the rows queued together in one transaction, durably, each with its own outcome", async () => {
    const { state, path } = openStore();
    const rows = createUpdateRowCommit(state);
    const outcomes = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => rows.insert(row(i + 1, 100 + i), () => true)),
      rows.insert(row(3, 999), () => true), // the same participant again: refused by the table
    ]);
    expect(outcomes).toEqual([...Array.from({ length: 20 }, () => true), false]);
    expect(rows.stats).toEqual({ commits: 1, rows: 20 });
    state.close();
    const reopened = openStateStore(path);
    expect(reopened.listUpdates(1)).toHaveLength(20);
    expect(reopened.getUpdate(1, address(3))?.updateHash).toBe(hash(102));
    reopened.close();
  });

  it("asks whether the round is still open at commit time, and inserts nothing for a closed one", async () => {
    const { state } = openStore();
    const rows = createUpdateRowCommit(state);
    let open = true;
    const queued = rows.insert(row(1, 5), () => open);
    open = false; // the round closes before the commit runs
    expect(await queued).toBe("closed");
    expect(state.getUpdate(1, address(1))).toBeUndefined();
    expect(rows.stats.commits).toBe(0);
    state.close();
  });

  it("rejects every insert of a commit that fails, and keeps serving the next ones", async () => {
    const { state } = openStore();
    let fail = true;
    const rows = createUpdateRowCommit({
      insertUpdates: (batch) => {
        // A real failure of the store: a row that violates the table's NOT NULL constraint.
        if (fail) return state.insertUpdates([...batch, { ...row(19, 1), updateHash: null as unknown as Hex }]);
        return state.insertUpdates(batch);
      },
    });
    const failed = await Promise.allSettled([rows.insert(row(1, 5), () => true), rows.insert(row(2, 6), () => true)]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(state.listUpdates(1)).toEqual([]); // rolled back: nothing half-inserted
    fail = false;
    expect(await rows.insert(row(1, 5), () => true)).toBe(true);
    state.close();
  });
});
