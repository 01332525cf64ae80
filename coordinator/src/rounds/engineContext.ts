import type { Address, Hex, PublicClient } from "viem";
import type { LayerSpec, LedgerDomainParameters, ValidationUtility, WeightDtype } from "@fedledger/client-sdk";
import type { Logger } from "pino";
import type { LedgerWriterDependencies } from "../ledger/recordRound.ts";
import type { CoordinatorMetrics } from "../metrics/coordinatorMetrics.ts";
import type { EventLog } from "../provenance/eventLogFile.ts";
import type { ProvenanceSettings } from "../provenance/signRoundStatement.ts";
import type { Scorer } from "../scorers/Scorer.ts";
import type { ContentStore } from "../stores/contentStore.ts";
import type { StateStore } from "../stores/stateStore.ts";
import type { ObjectUpdateSource } from "../stores/objectUpdateSource.ts";
import type { UpdateCheckPool } from "../validation/updateCheckPool.ts";
import type { UpdateRowCommit } from "../stores/updateRowCommit.ts";
import type { Strategy } from "../strategies/Strategy.ts";
import type { ConnectedClients } from "./connectedClients.ts";

/** Round parameters from the validated coordinator config. */
export type RoundSettings = {
  /** Run until this round is recorded on-chain. */
  rounds: number;
  /** Accepted updates needed to aggregate (the quorum). */
  minFitClients: number;
  minAvailableClients: number;
  fitTimeoutMs: number;
  availabilityTimeoutMs: number;
  /** Aborted attempts of one round after which each further abort is logged as an error. */
  maxAttemptsPerRound: number;
  /** Wait after an aborted attempt; doubles with each consecutive abort, up to MAX_RETRY_BACKOFF_MS. */
  retryBackoffMs: number;
  dtype: WeightDtype;
  modelSpec: unknown;
  trainConfig: Record<string, unknown>;
  layout: readonly LayerSpec[];
  maxUpdateBytes: number;
};

/** The safety net's bounds (config section `safety`). */
export type SafetySettings = {
  /** Absolute L2 bound on one update, checked before the ack; none if undefined. */
  maxUpdateNorm: number | undefined;
  /** An update whose norm exceeds this multiple of the round's median norm is left out; null: off. */
  outlierNormMultiple: number | null;
  /** A candidate aggregate whose loss exceeds the previous model's by more than this fraction is not recorded; null: off. */
  maxLossIncrease: number | null;
  /** Updates at least this cosine-similar are copies, all left out; null: off. */
  copyCosine: number | null;
  /** An update at least this cosine-similar to the last global change is a replay, left out; null: off. */
  replayCosine: number | null;
  /** The validation utility each update must improve alone (see leaveOutNoGain); undefined: off. */
  validationGate: ValidationUtility | undefined;
};

/** A participant's registry entry as the ledger checks it in `recordRound`. */
export type RegistryEntry = {
  active: boolean;
  datasetCommitment: Hex;
  /** Registered record count: no update may declare more samples. */
  datasetSize: number;
};

/** Everything the round engine works with, injected. */
export type EngineContext = {
  settings: RoundSettings;
  safety: SafetySettings;
  strategy: Strategy;
  scorer: Scorer;
  state: StateStore;
  content: ContentStore;
  updates: ObjectUpdateSource;
  /** Hashes and measures large submitted updates off the event loop. */
  updateChecks: UpdateCheckPool;
  /** Inserts acknowledged updates' rows together, one sync per group. */
  updateRows: UpdateRowCommit;
  clients: ConnectedClients;
  ledger: LedgerWriterDependencies;
  publicClient: PublicClient;
  ledgerAddress: Address;
  domain: LedgerDomainParameters;
  metrics: CoordinatorMetrics;
  logger: Logger;
  /** The hash-chained event log (Art. 12): every start, round, submission and record. */
  eventLog: EventLog;
  /** What signs and keeps each round's statement. */
  provenance: ProvenanceSettings;
  now: () => number;
  /** A participant's registry entry, read from the ledger (cached; `fresh` re-reads). */
  registryEntry: (participant: Address, options?: { fresh?: boolean }) => Promise<RegistryEntry>;
};
