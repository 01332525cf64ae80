import { mkdtempSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { openStateStore } from "./stateStore.ts";

const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
const [alice, bob] = ["0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000b2"] as Address[];

function storeWithRound() {
  const path = join(mkdtempSync(join(tmpdir(), "fedledger-state-")), "state.sqlite");
  const state = openStateStore(path);
  state.openRound(1, 1, hash(1), Date.now() + 60_000, [alice!, bob!]);
  for (const [participant, n] of [[alice!, 2], [bob!, 3]] as const) {
    state.insertUpdate({ round: 1, participant, updateHash: hash(n), numSamples: 10, signature: `0x${"11".repeat(65)}`, datasetCommitment: hash(9), dtype: "f32", norm: n });
  }
  return { state, path };
}

describe("state store", () => {
  it("excluding an update keeps its row (for resends) and invalidates a stored aggregate that included it", () => {
    const { state } = storeWithRound();
    state.closeRound(1);
    state.setAggregated(1, hash(7), { loss: 1 }, new Map([[alice!, 10n], [bob!, 10n]]), { statementDigest: hash(8), envelopeHash: hash(9) });
    expect(state.getRound(1)).toMatchObject({ status: "aggregated", statementDigest: hash(8), statementEnvelope: hash(9) });
    state.excludeUpdate(1, alice!, "NOT_REGISTERED");
    expect(state.getRound(1)).toMatchObject({ status: "closed", aggregateModelHash: null, metrics: null, statementDigest: null, statementEnvelope: null });
    expect(state.listUpdates(1).map((u) => [u.participant, u.score])).toEqual([[bob, null]]);
    expect(state.listExcluded(1).map((u) => [u.participant, u.excluded])).toEqual([[alice, "NOT_REGISTERED"]]);
    expect(state.getUpdate(1, alice!)?.updateHash).toBe(hash(2));
    state.close();
  });

  it("a new attempt starts empty; excluding before aggregation leaves an open round open", () => {
    const { state } = storeWithRound();
    state.excludeUpdate(1, bob!, "INVALID_SIGNATURE");
    expect(state.getRound(1)?.status).toBe("open");
    state.openRound(1, 2, hash(1), Date.now() + 60_000, [alice!]);
    expect([state.listUpdates(1), state.listExcluded(1)]).toEqual([[], []]);
    state.close();
  });

  it("adds the norm and exclusion columns to a database written before them", () => {
    const path = join(mkdtempSync(join(tmpdir(), "fedledger-state-")), "state.sqlite");
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE updates (round INTEGER NOT NULL, participant TEXT NOT NULL, update_hash TEXT NOT NULL, num_samples INTEGER NOT NULL,
      signature TEXT NOT NULL, dataset_commitment TEXT NOT NULL, dtype TEXT NOT NULL, score TEXT, acked_at INTEGER NOT NULL, PRIMARY KEY (round, participant))`);
    old.prepare("INSERT INTO updates VALUES (1, ?, ?, 10, '0x11', ?, 'f32', NULL, 0)").run(alice!, hash(2), hash(9));
    old.close();
    const state = openStateStore(path);
    expect(state.listUpdates(1)).toMatchObject([{ participant: alice, norm: null, excluded: null }]);
    state.close();
  });
});
