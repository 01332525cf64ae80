import { DatabaseSync } from "node:sqlite";
import type { Address, Hex } from "viem";

/**
 * Coordinator state in node:sqlite (built into Node, no native addon): rounds,
 * acknowledged updates, participants seen and ledger transactions. WAL with
 * synchronous=FULL: a row is on disk when a write returns, so an update acknowledged
 * to a client survives a crash.
 *
 * A round is "open" while it collects updates, "closed" once collection is over (its
 * updates checked and final, not yet aggregated), "aggregated" once its aggregate and
 * scores are stored (a restart re-sends that record), then "recorded"; an "aborted"
 * attempt is retried from scratch.
 */
export type RoundStatus = "open" | "closed" | "aggregated" | "recorded" | "aborted";

/** The state database's file name below the coordinator's `storage.dir`. */
export const STATE_STORE_FILE = "state.sqlite";

export type RoundRow = {
  round: number;
  attempt: number;
  status: RoundStatus;
  baseModelHash: Hex;
  deadline: number;
  selected: Address[];
  aggregateModelHash: Hex | null;
  metrics: Record<string, number> | null;
  /** The digest of the round's signed statement (stored with the aggregate), recorded on-chain with it. */
  statementDigest: Hex | null;
  /** The content hash of the statement's DSSE envelope. */
  statementEnvelope: Hex | null;
  txHash: Hex | null;
  gasUsed: bigint | null;
};

export type UpdateRow = {
  round: number;
  participant: Address;
  updateHash: Hex;
  numSamples: number;
  signature: Hex;
  datasetCommitment: Hex;
  dtype: string;
  score: bigint | null;
  ackedAt: number;
  /** L2 norm of the update, computed at ack (null for rows stored before it was kept). */
  norm: number | null;
  /** Why an acknowledged update was left out of the round (an error code), or null. */
  excluded: string | null;
};

/** What an acknowledged update's row is inserted with (the store sets the rest). */
export type NewUpdateRow = Omit<UpdateRow, "score" | "ackedAt" | "excluded">;

export type LedgerTxRow = { round: number; txHash: Hex; status: "sent" | "confirmed"; attempts: number; lastError: string | null };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rounds (
  round INTEGER PRIMARY KEY,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  base_model_hash TEXT NOT NULL,
  deadline INTEGER NOT NULL,
  selected TEXT NOT NULL,
  aggregate_model_hash TEXT,
  metrics TEXT,
  tx_hash TEXT,
  gas_used TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS updates (
  round INTEGER NOT NULL,
  participant TEXT NOT NULL,
  update_hash TEXT NOT NULL,
  num_samples INTEGER NOT NULL,
  signature TEXT NOT NULL,
  dataset_commitment TEXT NOT NULL,
  dtype TEXT NOT NULL,
  score TEXT,
  acked_at INTEGER NOT NULL,
  norm REAL,
  excluded TEXT,
  PRIMARY KEY (round, participant)
);
CREATE TABLE IF NOT EXISTS participants (
  address TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_txs (
  round INTEGER PRIMARY KEY,
  tx_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT
);
`;

type SqlRow = Record<string, string | number | bigint | null | Uint8Array>;

function toRound(row: SqlRow): RoundRow {
  return {
    round: Number(row.round),
    attempt: Number(row.attempt),
    status: row.status as RoundStatus,
    baseModelHash: row.base_model_hash as Hex,
    deadline: Number(row.deadline),
    selected: JSON.parse(row.selected as string) as Address[],
    aggregateModelHash: (row.aggregate_model_hash as Hex | null) ?? null,
    metrics: row.metrics ? (JSON.parse(row.metrics as string) as Record<string, number>) : null,
    statementDigest: (row.statement_digest as Hex | null | undefined) ?? null,
    statementEnvelope: (row.statement_envelope as Hex | null | undefined) ?? null,
    txHash: (row.tx_hash as Hex | null) ?? null,
    gasUsed: row.gas_used === null || row.gas_used === undefined ? null : BigInt(row.gas_used as string),
  };
}

function toUpdate(row: SqlRow): UpdateRow {
  return {
    round: Number(row.round),
    participant: row.participant as Address,
    updateHash: row.update_hash as Hex,
    numSamples: Number(row.num_samples),
    signature: row.signature as Hex,
    datasetCommitment: row.dataset_commitment as Hex,
    dtype: row.dtype as string,
    score: row.score === null || row.score === undefined ? null : BigInt(row.score as string),
    ackedAt: Number(row.acked_at),
    norm: row.norm === null || row.norm === undefined ? null : Number(row.norm),
    excluded: (row.excluded as string | null | undefined) ?? null,
  };
}

/** Columns added after the first release, created on an existing database. */
const ADDED_UPDATE_COLUMNS = [
  ["norm", "REAL"],
  ["excluded", "TEXT"],
] as const;
const ADDED_ROUND_COLUMNS = [
  ["statement_digest", "TEXT"],
  ["statement_envelope", "TEXT"],
] as const;

export type StateStore = ReturnType<typeof openStateStore>;

export function openStateStore(path: string) {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
  db.exec(SCHEMA);
  const columns = new Set((db.prepare("PRAGMA table_info(updates)").all() as SqlRow[]).map((c) => c.name));
  for (const [name, type] of ADDED_UPDATE_COLUMNS) if (!columns.has(name)) db.exec(`ALTER TABLE updates ADD COLUMN ${name} ${type}`);
  const roundColumns = new Set((db.prepare("PRAGMA table_info(rounds)").all() as SqlRow[]).map((c) => c.name));
  for (const [name, type] of ADDED_ROUND_COLUMNS) if (!roundColumns.has(name)) db.exec(`ALTER TABLE rounds ADD COLUMN ${name} ${type}`);
  const now = () => Date.now();

  const insertOne = (update: NewUpdateRow): boolean =>
    Number(
      statements.insertUpdate.run(
        update.round,
        update.participant,
        update.updateHash,
        update.numSamples,
        update.signature,
        update.datasetCommitment,
        update.dtype,
        now(),
        update.norm,
      ).changes,
    ) === 1;
  const statements = {
    latestRound: db.prepare("SELECT * FROM rounds ORDER BY round DESC LIMIT 1"),
    getRound: db.prepare("SELECT * FROM rounds WHERE round = ?"),
    recordedRoundOf: db.prepare("SELECT round FROM rounds WHERE aggregate_model_hash = ? AND status = 'recorded'"),
    openRound: db.prepare(
      `INSERT INTO rounds (round, attempt, status, base_model_hash, deadline, selected, updated_at)
       VALUES (?, ?, 'open', ?, ?, ?, ?)
       ON CONFLICT(round) DO UPDATE SET attempt = excluded.attempt, status = 'open', base_model_hash = excluded.base_model_hash,
         deadline = excluded.deadline, selected = excluded.selected, aggregate_model_hash = NULL, metrics = NULL,
         statement_digest = NULL, statement_envelope = NULL, updated_at = excluded.updated_at`,
    ),
    setStatus: db.prepare("UPDATE rounds SET status = ?, updated_at = ? WHERE round = ?"),
    setAggregated: db.prepare(
      "UPDATE rounds SET status = 'aggregated', aggregate_model_hash = ?, metrics = ?, statement_digest = ?, statement_envelope = ?, updated_at = ? WHERE round = ?",
    ),
    setRecorded: db.prepare("UPDATE rounds SET status = 'recorded', tx_hash = ?, gas_used = ?, updated_at = ? WHERE round = ?"),
    insertUpdate: db.prepare(
      `INSERT INTO updates (round, participant, update_hash, num_samples, signature, dataset_commitment, dtype, acked_at, norm)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(round, participant) DO NOTHING`,
    ),
    getUpdate: db.prepare("SELECT * FROM updates WHERE round = ? AND participant = ?"),
    listUpdates: db.prepare("SELECT * FROM updates WHERE round = ? AND excluded IS NULL"),
    listExcluded: db.prepare("SELECT * FROM updates WHERE round = ? AND excluded IS NOT NULL"),
    deleteUpdates: db.prepare("DELETE FROM updates WHERE round = ?"),
    excludeUpdate: db.prepare("UPDATE updates SET excluded = ?, score = NULL WHERE round = ? AND participant = ?"),
    clearScores: db.prepare("UPDATE updates SET score = NULL WHERE round = ?"),
    closeRound: db.prepare("UPDATE rounds SET status = 'closed', updated_at = ? WHERE round = ? AND status = 'open'"),
    invalidateAggregate: db.prepare(
      "UPDATE rounds SET status = 'closed', aggregate_model_hash = NULL, metrics = NULL, statement_digest = NULL, statement_envelope = NULL, updated_at = ? WHERE round = ? AND status = 'aggregated'",
    ),
    setScore: db.prepare("UPDATE updates SET score = ? WHERE round = ? AND participant = ?"),
    seen: db.prepare(
      `INSERT INTO participants (address, first_seen, last_seen) VALUES (?, ?, ?)
       ON CONFLICT(address) DO UPDATE SET last_seen = excluded.last_seen`,
    ),
    listParticipants: db.prepare("SELECT address, first_seen, last_seen FROM participants ORDER BY address"),
    putTx: db.prepare(
      `INSERT INTO ledger_txs (round, tx_hash, status, attempts, last_error) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(round) DO UPDATE SET tx_hash = excluded.tx_hash, status = excluded.status, attempts = excluded.attempts, last_error = excluded.last_error`,
    ),
    getTx: db.prepare("SELECT * FROM ledger_txs WHERE round = ?"),
  };

  return {
    latestRound(): RoundRow | undefined {
      const row = statements.latestRound.get() as SqlRow | undefined;
      return row ? toRound(row) : undefined;
    },
    getRound(round: number): RoundRow | undefined {
      const row = statements.getRound.get(round) as SqlRow | undefined;
      return row ? toRound(row) : undefined;
    },
    /** The recorded round whose aggregate hashes to `aggregateModelHash` (lowercase hex), if any. */
    recordedRoundOf(aggregateModelHash: Hex): number | undefined {
      const row = statements.recordedRoundOf.get(aggregateModelHash) as SqlRow | undefined;
      return row ? Number(row.round) : undefined;
    },
    /** Opens (or re-opens, for a retried attempt) round `round`; a new attempt starts with no updates. */
    openRound(round: number, attempt: number, baseModelHash: Hex, deadline: number, selected: readonly Address[]): void {
      db.exec("BEGIN IMMEDIATE");
      try {
        statements.deleteUpdates.run(round);
        statements.openRound.run(round, attempt, baseModelHash, deadline, JSON.stringify(selected), now());
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    },
    /** Aborts a round attempt and forgets its updates (the round is retried from scratch). */
    abortRound(round: number): void {
      db.exec("BEGIN IMMEDIATE");
      try {
        statements.setStatus.run("aborted", now(), round);
        statements.deleteUpdates.run(round);
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    },
    /** Stores the round's aggregate, its scores and its signed statement together: a restart re-sends exactly this record. */
    setAggregated(
      round: number,
      aggregateModelHash: Hex,
      metrics: Record<string, number>,
      scores: ReadonlyMap<Address, bigint>,
      statement: { statementDigest: Hex; envelopeHash: Hex },
    ): void {
      db.exec("BEGIN IMMEDIATE");
      try {
        for (const [participant, score] of scores) statements.setScore.run(score.toString(), round, participant);
        statements.setAggregated.run(aggregateModelHash, JSON.stringify(metrics), statement.statementDigest, statement.envelopeHash, now(), round);
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    },
    /** Ends collection: the round's update set is final (a restart does not reopen it). */
    closeRound(round: number): void {
      statements.closeRound.run(now(), round);
    },
    setRecorded(round: number, txHash: Hex, gasUsed: bigint): void {
      statements.setRecorded.run(txHash, gasUsed.toString(), now(), round);
    },
    /** Returns false when the participant already has an update in this round. */
    insertUpdate(update: NewUpdateRow): boolean {
      return insertOne(update);
    },
    /** insertUpdate for each row, in one transaction (one sync for all of them). */
    insertUpdates(updates: readonly NewUpdateRow[]): boolean[] {
      db.exec("BEGIN IMMEDIATE");
      try {
        const inserted = updates.map(insertOne);
        db.exec("COMMIT");
        return inserted;
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    },
    /**
     * Leaves one acknowledged update out of the round, keeping its row (a resend still
     * gets its ack) with `reason`. An aggregate already stored for the round included it,
     * so it is invalidated in the same transaction: the round is aggregated again
     * without the update, and a refused record is never re-sent unchanged.
     */
    excludeUpdate(round: number, participant: Address, reason: string): void {
      db.exec("BEGIN IMMEDIATE");
      try {
        statements.excludeUpdate.run(reason, round, participant);
        if (Number(statements.invalidateAggregate.run(now(), round).changes) > 0) statements.clearScores.run(round);
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    },
    getUpdate(round: number, participant: Address): UpdateRow | undefined {
      const row = statements.getUpdate.get(round, participant) as SqlRow | undefined;
      return row ? toUpdate(row) : undefined;
    },
    /**
     * The round's acknowledged updates in canonical order: ascending participant address
     * as a number (SQL text order would differ for checksummed mixed-case addresses).
     */
    listUpdates(round: number): UpdateRow[] {
      return (statements.listUpdates.all(round) as SqlRow[])
        .map(toUpdate)
        .sort((a, b) => (BigInt(a.participant) < BigInt(b.participant) ? -1 : 1));
    },
    /** The round's acknowledged updates that were left out, with their reasons. */
    listExcluded(round: number): UpdateRow[] {
      return (statements.listExcluded.all(round) as SqlRow[]).map(toUpdate);
    },
    participantSeen(address: Address): void {
      statements.seen.run(address, now(), now());
    },
    listParticipants(): { address: Address; firstSeen: number; lastSeen: number }[] {
      return (statements.listParticipants.all() as SqlRow[]).map((r) => ({
        address: r.address as Address,
        firstSeen: Number(r.first_seen),
        lastSeen: Number(r.last_seen),
      }));
    },
    putLedgerTx(row: LedgerTxRow): void {
      statements.putTx.run(row.round, row.txHash, row.status, row.attempts, row.lastError);
    },
    getLedgerTx(round: number): LedgerTxRow | undefined {
      const row = statements.getTx.get(round) as SqlRow | undefined;
      if (!row) return undefined;
      return {
        round: Number(row.round),
        txHash: row.tx_hash as Hex,
        status: row.status as LedgerTxRow["status"],
        attempts: Number(row.attempts),
        lastError: (row.last_error as string | null) ?? null,
      };
    },
    close(): void {
      db.close();
    },
  };
}
