import type { Address, Hex, PublicClient } from "viem";
import type { LayerSpec, LedgerDomainParameters, WeightDtype } from "@fedledger/client-sdk";
import type { Logger } from "pino";
import type { LedgerWriterDependencies } from "../ledger/recordRound.ts";
import type { CoordinatorMetrics } from "../metrics/coordinatorMetrics.ts";
import type { Scorer } from "../scorers/Scorer.ts";
import type { ContentStore } from "../stores/contentStore.ts";
import type { StateStore } from "../stores/stateStore.ts";
import type { StoreUpdateSource } from "../stores/updateSources.ts";
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
  maxAttemptsPerRound: number;
  dtype: WeightDtype;
  modelSpec: unknown;
  trainConfig: Record<string, unknown>;
  layout: readonly LayerSpec[];
  maxUpdateBytes: number;
};

/** Everything the round engine works with, injected. */
export type EngineContext = {
  settings: RoundSettings;
  strategy: Strategy;
  scorer: Scorer;
  state: StateStore;
  content: ContentStore;
  updates: StoreUpdateSource;
  clients: ConnectedClients;
  ledger: LedgerWriterDependencies;
  publicClient: PublicClient;
  ledgerAddress: Address;
  domain: LedgerDomainParameters;
  metrics: CoordinatorMetrics;
  logger: Logger;
  now: () => number;
  /** Registered dataset commitment of a participant, read from the ledger (cached; `fresh` re-reads). */
  datasetCommitment: (participant: Address, options?: { fresh?: boolean }) => Promise<Hex>;
};
