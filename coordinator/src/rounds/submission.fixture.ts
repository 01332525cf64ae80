// The submission path's setting for its tests and the ingest benchmark: real stores in a directory (content store, SQLite
// state, event log, object update source), FedAvg, and round 1 open for `selected`.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import pino from "pino";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { contentHash, encodeWeights, type LayerSpec, layerSize, STORE_OBJECTS_DIR } from "@fedledger/client-sdk";
import { createCoordinatorMetrics } from "../metrics/coordinatorMetrics.ts";
import { openEventLog } from "../provenance/eventLogFile.ts";
import { createDirectoryContentStore } from "../stores/contentStore.ts";
import { createObjectUpdateSource } from "../stores/objectUpdateSource.ts";
import { openStateStore } from "../stores/stateStore.ts";
import { createUpdateRowCommit } from "../stores/updateRowCommit.ts";
import { FedAvg } from "../strategies/fedAvg.ts";
import type { UpdateCheckPool } from "../validation/updateCheckPool.ts";
import { createOpenRound, type OpenRound } from "./openRound.ts";
import type { SubmissionDependencies } from "./submitUpdate.ts";

export const SUBMISSION_DOMAIN = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const };
/** Every participant's registered dataset commitment. */
export const SUBMISSION_COMMITMENT = keccak256(toHex("dataset"));

export type SubmissionSetting = {
  deps: SubmissionDependencies;
  /** The round's global model (zeros) and its hash. */
  global: Float32Array[];
  base: Hex;
  open: OpenRound;
  close(): Promise<void>;
};

export async function openSubmissionSetting(p: {
  dir: string;
  layout: LayerSpec[];
  maxUpdateNorm: number;
  selected: readonly Address[];
  updateChecks?: UpdateCheckPool;
  /** Rows committed together, as a coordinator does (default: each on its own). */
  rowCommits?: boolean;
  /** How long round 1 stays open; default 60 s. */
  deadlineMs?: number;
}): Promise<SubmissionSetting> {
  const global = p.layout.map((l) => new Float32Array(layerSize(l)));
  const base = await contentHash(encodeWeights(global, p.layout));
  const content = createDirectoryContentStore(join(p.dir, STORE_OBJECTS_DIR));
  const state = openStateStore(join(p.dir, "state.sqlite"));
  const eventLog = openEventLog(join(p.dir, "events.log"));
  const updates = createObjectUpdateSource(content, p.layout);
  const parameters = p.layout.reduce((n, l) => n + layerSize(l), 0);
  const deps: SubmissionDependencies = {
    settings: {
      rounds: 1, minFitClients: 1, minAvailableClients: 1, fitTimeoutMs: 60_000, availabilityTimeoutMs: 1, maxAttemptsPerRound: 1, retryBackoffMs: 1,
      dtype: "f32", modelSpec: {}, trainConfig: {}, layout: p.layout, maxUpdateBytes: parameters * 4 + 65_536,
    },
    safety: { maxUpdateNorm: p.maxUpdateNorm, outlierNormMultiple: null, maxLossIncrease: null, copyCosine: null, replayCosine: null, validationGate: undefined },
    strategy: new FedAvg({ layout: p.layout, initialWeights: global, fractionFit: 1, minFitClients: 1, minAvailableClients: 1 }),
    state,
    content,
    updates,
    ...(p.updateChecks ? { updateChecks: p.updateChecks } : {}),
    ...(p.rowCommits ? { updateRows: createUpdateRowCommit(state) } : {}),
    domain: SUBMISSION_DOMAIN,
    metrics: createCoordinatorMetrics(),
    logger: pino({ level: "silent" }),
    now: Date.now,
    registryEntry: async () => ({ active: true, datasetCommitment: SUBMISSION_COMMITMENT, datasetSize: 1_000 }),
    eventLog,
  };
  const open = createOpenRound({ round: 1, attempt: 1, baseModelHash: base, deadline: Date.now() + (p.deadlineMs ?? 60_000), selected: p.selected });
  state.openRound(1, 1, base, open.deadline, p.selected);
  return {
    deps,
    global,
    base,
    open,
    close: async () => {
      await updates.close();
      eventLog.close();
      state.close();
    },
  };
}

/** The names of the files in the content store under `dir`. */
export async function storedObjects(dir: string): Promise<string[]> {
  const entries = await readdir(join(dir, STORE_OBJECTS_DIR), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}
