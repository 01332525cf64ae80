import { mkdirSync, readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import {
  contributionLedgerAbi,
  createAuditConfig,
  createValidationUtility,
  FedLedgerError,
  initialWeights,
  isFedLedgerError,
  type ModelSpec,
  layerLayout,
  parameterCount,
  parseModelSpec,
  STORE_AUDIT_CONFIG_FILE,
  STORE_MODEL_SPEC_FILE,
  STORE_EVENT_LOG_FILE,
  STORE_OBJECTS_DIR,
  type TrainingData,
  type ValidationUtility,
  writeFileAtomically,
} from "@fedledger/client-sdk";
import type { Logger } from "pino";
import type { CoordinatorConfig } from "./config/coordinatorConfig.ts";
import { createCoordinatorMetrics } from "./metrics/coordinatorMetrics.ts";
import { createOpsRequestHandler } from "./metrics/opsRequestHandler.ts";
import type { EngineContext, RegistryEntry } from "./rounds/engineContext.ts";
import { createRoundEngine, type RoundEngineEvents } from "./rounds/roundEngine.ts";
import { createScorer, defaultScorerConfig } from "./scorers/registry.ts";
import { createDirectoryContentStore } from "./stores/contentStore.ts";
import { createRecordedModels } from "./stores/recordedModels.ts";
import { COORDINATOR_SOFTWARE } from "./provenance/coordinatorSoftware.ts";
import { openEventLog } from "./provenance/eventLogFile.ts";
import { loggedConfig } from "./provenance/loggedConfig.ts";
import { statementSigner } from "./provenance/statementSigner.ts";
import { openStateStore, STATE_STORE_FILE } from "./stores/stateStore.ts";
import { createObjectUpdateSource } from "./stores/objectUpdateSource.ts";
import { createUpdateCheckPool, MIN_OFFLOADED_BYTES } from "./validation/updateCheckPool.ts";
import { createUpdateRowCommit } from "./stores/updateRowCommit.ts";
import { createStrategy } from "./strategies/registry.ts";
import { createDirectoryServerStateStore } from "./strategies/serverStateStore.ts";
import { createCoordinatorDashboard } from "./transport/coordinatorDashboard.ts";
import { createCoordinatorServer } from "./transport/createCoordinatorServer.ts";
import { watchDeactivations } from "./transport/watchDeactivations.ts";

export type CreateCoordinatorParameters = {
  config: CoordinatorConfig;
  publicClient: PublicClient;
  /** Holds the ledger's coordinator role; signs recordRound transactions. */
  walletClient: WalletClient<Transport, Chain, Account>;
  logger: Logger;
  /** Held-out data for server-side evaluation of each new global model. */
  evaluationData?: TrainingData;
  events?: RoundEngineEvents;
  /** Overrides for tests: clock, retry backoff. */
  now?: () => number;
  ledgerRetry?: { baseDelayMs?: number; maxDelayMs?: number };
};

/** Wires a coordinator from a validated config and injected chain clients. Listening is separate. */
export async function createCoordinator(p: CreateCoordinatorParameters) {
  const { config, publicClient, logger } = p;
  const ledger = config.chain.ledger;
  const chainId = await publicClient.getChainId();
  const domain = { chainId, ledger };
  const spec = parseModelSpec(config.model.spec);
  const layout = layerLayout(spec);
  const parameters = parameterCount(layout);
  // The canonical encoding adds a few bytes per layer; 64 KiB covers any header.
  const updateValueBytes = parameters * (config.model.dtype === "f32" ? 4 : 1);
  const maxUpdateBytes = updateValueBytes + 64 * 1024;

  const evaluationData = p.evaluationData;
  // Built once: the validation gate and the value scorers share it.
  const validationUtility = evaluationData ? optionalValidationUtility(spec, evaluationData, logger) : undefined;
  // Before anything is started: a refused config leaves nothing running.
  const validationGate = (config.safety.validationGate ?? validationUtility !== undefined) ? requireUtility(validationUtility, "safety.validationGate") : undefined;
  const scorerConfig = config.scorer ?? defaultScorerConfig(validationUtility !== undefined);
  const scorer = createScorer(scorerConfig, {
    spec,
    ...(evaluationData ? { evaluationData } : {}),
    ...(validationUtility ? { utility: validationUtility } : {}),
  });

  // Signs each round's statement: refused here, before anything starts, if it cannot.
  const signer = statementSigner(p.walletClient);
  const now = p.now ?? Date.now;

  mkdirSync(config.storage.dir, { recursive: true });
  // Beside the stored models, so that `fedledger model export --store` can rebuild them.
  await writeFileAtomically(join(config.storage.dir, STORE_MODEL_SPEC_FILE), `${JSON.stringify(config.model.spec)}\n`);
  // And what `fedledger audit` needs to re-derive aggregates and scores: the resolved rules and the evaluation data's digest.
  const auditConfig = createAuditConfig({ strategy: config.strategy, scorer: scorerConfig, evaluation: config.evaluation, evaluationData });
  await writeFileAtomically(join(config.storage.dir, STORE_AUDIT_CONFIG_FILE), `${JSON.stringify(auditConfig)}\n`);
  // The event log is verified whole before the state opens: a corrupt log refuses to start.
  const eventLog = openEventLog(join(config.storage.dir, STORE_EVENT_LOG_FILE), { now });
  const state = openStateStore(join(config.storage.dir, STATE_STORE_FILE));
  const started = { software: COORDINATOR_SOFTWARE, coordinator: signer.address, chainId, ledger };
  if (eventLog.resumed) {
    const latest = state.latestRound();
    eventLog.append("restart", { ...started, resumed: latest ? { round: latest.round, status: latest.status } : null });
  } else {
    eventLog.append("start", started);
  }
  eventLog.append("config", { config: loggedConfig(config) });
  const content = createDirectoryContentStore(join(config.storage.dir, STORE_OBJECTS_DIR));
  const updates = createObjectUpdateSource(content, layout);
  const updateChecks = createUpdateCheckPool({ onWorkerError: (error) => logger.error({ err: error }, "update check worker failed") });
  // Updates of this model are checked on the worker: start it now, and open no round before it is ready.
  const workerReady = updateValueBytes >= MIN_OFFLOADED_BYTES ? updateChecks.whenReady() : Promise.resolve(true);
  const recordedModels = createRecordedModels({
    state,
    content,
    genesisModelHash: () => publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "genesisModelHash" }),
  });
  const metrics = createCoordinatorMetrics();

  const strategy = createStrategy(config.strategy, {
    layout,
    initialWeights: initialWeights(spec, config.model.seed),
    stateStore: createDirectoryServerStateStore(join(config.storage.dir, "strategy-state")),
    fractionFit: config.rounds.fractionFit,
    minFitClients: config.rounds.minFitClients,
    minAvailableClients: config.rounds.minAvailableClients,
    ...(evaluationData
      ? {
          evaluateFn: async (weights: readonly Float32Array[]) => {
            const { evaluateModel } = await import("@fedledger/client-sdk/training");
            const result = await evaluateModel({ spec, weights, data: evaluationData });
            return { ...result, numSamples: evaluationData.numSamples };
          },
        }
      : {}),
  });

  const readParticipant = (address: Address) =>
    publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "participantInfo", args: [address] });
  // Registry entries change rarely; a short cache keeps chain reads off the submission path.
  const registryEntries = new Map<Address, { value: RegistryEntry; at: number }>();
  const registryEntry = async (address: Address, options: { fresh?: boolean } = {}): Promise<RegistryEntry> => {
    const cached = registryEntries.get(address);
    // Re-read when a round starts (collectUpdates asks for every available participant).
    if (cached && !options.fresh && Date.now() - cached.at < 5 * 60_000) return cached.value;
    const info = await readParticipant(address);
    const value = { active: info.status === 1, datasetCommitment: info.datasetCommitment, datasetSize: Number(info.datasetSize) };
    registryEntries.set(address, { value, at: Date.now() });
    return value;
  };

  const httpServer: HttpServer = config.server.tls
    ? (createHttpsServer({
        cert: readFileSync(config.server.tls.certFile),
        key: readFileSync(config.server.tls.keyFile),
      }) as unknown as HttpServer)
    : createHttpServer();

  // The URL bound into every login: configured, else the one listen() binds.
  let coordinatorUrl = config.server.publicUrl;
  // `engine` is created below, once the server's client registry exists; these callbacks
  // only run after a client connects, by which time it is set.
  const server = createCoordinatorServer(
    httpServer,
    {
      domain,
      coordinatorUrl: () => coordinatorUrl,
      modelSpec: config.model.spec,
      isActiveParticipant: async (address) => (await readParticipant(address)).status === 1,
      submit: (sender, payload) => engine.submit(sender, payload),
      fetchModel: (payload) => recordedModels.fetch(payload),
      logger,
      onRefused: (code) => metrics.updatesRefused.inc({ reason: code }),
      onAuthenticated: (address) => engine.clientReady(address),
      ...(p.now ? { now: p.now } : {}),
    },
    {
      // Room for the largest valid update plus socket.io framing; larger messages are
      // dropped by socket.io (connection closed); anything above maxUpdateBytes but below
      // this gets a typed PAYLOAD_TOO_LARGE.
      maxHttpBufferSize: 2 * maxUpdateBytes + 1024 * 1024,
      ackTimeoutMs: config.server.ackTimeoutMs,
      challengeTtlMs: config.server.challengeTtlMs,
      loginTimeoutMs: config.server.loginTimeoutMs,
      maxConnections: config.server.maxConnections,
      maxConnectionsPerAddress: config.server.maxConnectionsPerAddress,
      maxPendingLogins: config.server.maxPendingLogins,
      submissionsPerMinute: config.server.submissionsPerMinute,
      submissionBurst: config.server.submissionBurst,
    },
  );
  // A participant deactivated on the ledger loses its session (and cannot log in again).
  const unwatchDeactivations = watchDeactivations({
    publicClient,
    ledger,
    pollingIntervalMs: config.server.registryPollIntervalMs,
    onDeactivated: (participant) => {
      if (server.clients.disconnect(participant)) logger.info({ participant }, "session closed: participant deactivated on the ledger");
    },
    onError: (error) => logger.warn({ err: error.message.split("\n", 1)[0] }, "watching the ledger for deactivations failed"),
  });

  const ctx: EngineContext = {
    settings: {
      rounds: config.rounds.rounds,
      minFitClients: config.rounds.minFitClients,
      minAvailableClients: config.rounds.minAvailableClients,
      fitTimeoutMs: config.rounds.fitTimeoutMs,
      availabilityTimeoutMs: config.rounds.availabilityTimeoutMs,
      maxAttemptsPerRound: config.rounds.maxAttemptsPerRound,
      retryBackoffMs: config.rounds.retryBackoffMs,
      dtype: config.model.dtype,
      modelSpec: config.model.spec,
      trainConfig: { ...config.training },
      layout,
      maxUpdateBytes,
    },
    safety: {
      maxUpdateNorm: config.safety.maxUpdateNorm,
      outlierNormMultiple: config.safety.outlierNormMultiple,
      maxLossIncrease: config.safety.maxLossIncrease,
      copyCosine: config.safety.copyCosine,
      replayCosine: config.safety.replayCosine,
      validationGate,
    },
    strategy,
    scorer,
    state,
    content,
    updates,
    updateChecks,
    updateRows: createUpdateRowCommit(state),
    clients: server.clients,
    ledger: {
      publicClient,
      walletClient: p.walletClient,
      ledger,
      state,
      ...(p.ledgerRetry ? { retry: p.ledgerRetry } : {}),
    },
    publicClient,
    ledgerAddress: ledger,
    domain,
    metrics,
    logger,
    eventLog,
    provenance: { signer, auditConfig, storeDir: config.storage.dir },
    now,
    registryEntry,
  };
  const engine = createRoundEngine(ctx, p.events);

  const ops = createOpsRequestHandler(metrics, () => ({
    ok: httpServer.listening,
    round: engine.currentRound(),
    lastRecordedRound: engine.lastRecordedRound(),
    connectedClients: server.clients.size(),
  }));
  const dashboard = createCoordinatorDashboard({ publicClient, ledger, state, logger });
  httpServer.prependListener("request", (request, response) => {
    void ops(request, response).then(async (handled) => {
      if (!handled) handled = await dashboard(request, response);
      if (!handled && !request.url?.startsWith("/socket.io")) response.writeHead(404).end();
    });
  });

  // close() stops a running engine and waits for it before closing the stores.
  const stopping = new AbortController();
  let running: Promise<unknown> | undefined;

  return {
    engine,
    metrics,
    state,
    layout,
    domain,
    /** Starts listening; resolves with the URL clients connect to. */
    async listen(): Promise<string> {
      await new Promise<void>((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(config.server.port, config.server.host, () => resolve());
      });
      const { port } = httpServer.address() as AddressInfo;
      const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
      const url = `${config.server.tls ? "https" : "http"}://${host}:${port}`;
      coordinatorUrl = config.server.publicUrl ?? url;
      logger.info({ url, publicUrl: coordinatorUrl, ledger, chainId }, "coordinator listening");
      return url;
    },
    /**
     * After the last round (each participant fetches its model when the round ends): waits
     * until every logged-in participant has fetched `modelHash`, at most `server.finalModelGraceMs`.
     */
    finalFetches(modelHash: Hex, signal?: AbortSignal): Promise<void> {
      return server.allFetched(modelHash, config.server.finalModelGraceMs, signal);
    },
    run(signal?: AbortSignal) {
      const result = workerReady.then((ready) => {
        if (!ready) logger.warn("the update check worker did not start: updates are checked on the event loop");
        return engine.run(signal ? AbortSignal.any([signal, stopping.signal]) : stopping.signal);
      });
      running = result;
      return result;
    },
    async close(): Promise<void> {
      stopping.abort();
      unwatchDeactivations();
      await running?.catch(() => undefined);
      await server.close();
      await updateChecks.close();
      await updates.close();
      state.close();
      eventLog.close();
    },
  };
}

export type Coordinator = Awaited<ReturnType<typeof createCoordinator>>;

/**
 * The validation utility when the model has one (the float64 forward pass covers dense
 * models), else undefined with a warning: without it the defaults are the `samples`
 * scorer and no validation gate, and a config that asks for either is refused.
 */
function optionalValidationUtility(spec: ModelSpec, data: TrainingData, logger: Logger): ValidationUtility | undefined {
  try {
    return createValidationUtility(spec, data);
  } catch (error) {
    if (!isFedLedgerError(error, "INVALID_CONFIG")) throw error;
    logger.warn({ err: error.message }, "no validation utility for this model: value scores and the validation gate are off by default");
    return undefined;
  }
}

function requireUtility(utility: ValidationUtility | undefined, what: string): ValidationUtility {
  if (!utility) {
    throw new FedLedgerError("INVALID_CONFIG", `${what} needs the coordinator's evaluation data and a model the float64 validation utility covers`, {
      details: "configure `evaluation` (or pass evaluationData); the float64 forward pass covers every allowed layer with relu, tanh, sigmoid, linear or softmax activations",
    });
  }
  return utility;
}
