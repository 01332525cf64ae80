import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { io, type Socket } from "socket.io-client";
import { type Address, getAddress, type Hex, type LocalAccount, toHex } from "viem";
import { FedLedgerError, isFedLedgerError } from "../errors/FedLedgerError.ts";
import { type ErrorCode, isErrorCode } from "../errors/codes.ts";
import { type LocalModelCopy, writeLocalModelCopy } from "../modelFiles/localModelCopy.ts";
import { decodeWeights, encodeWeights } from "../protocol/encoding/weightsCodec.ts";
import type { ClientToServerEvents, ServerToClientEvents } from "../protocol/events.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import type { LedgerDomainParameters } from "../protocol/eip712.ts";
import { coordinatorOrigin, signLogin } from "../protocol/login.ts";
import {
  type Ack,
  challengeSchema,
  describeIssues,
  federationFinishedSchema,
  type FitInstruction,
  fitInstructionSchema,
  roundEndSchema,
  type Session,
  sessionSchema,
  type SubmitReceipt,
  type SubmitUpdate,
} from "../protocol/messages.ts";
import { signUpdate } from "../protocol/signing.ts";
import { socketParser } from "../protocol/socketParser.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import type { BackendName } from "../training/backend.ts";
import { layerLayout, parseModelSpec } from "../training/modelSpec.ts";
import type { TrainingData } from "../training/trainingData.ts";
import { checkChallenge } from "./checkChallenge.ts";
import { checkRecordedModel } from "./checkRecordedModel.ts";
import { createDataCheck } from "./createDataCheck.ts";
import type { ParticipantEvents } from "./participantEvents.ts";

export type ParticipantOptions = {
  /** The coordinator's URL as this participant configured it; its origin is bound into every login. */
  coordinatorUrl: string;
  /** The chain the ledger lives on, read from the participant's own RPC: logins and updates are signed for it. */
  chainId: number;
  /** The ledger's address as this participant configured it. */
  ledger: Address;
  account: LocalAccount;
  data: TrainingData;
  /** The commitment registered on the ledger for this participant (its dataset fingerprint). */
  datasetCommitment: Hex;
  /**
   * The dataset size registered on the ledger (the fingerprint's distinct-record count).
   * Declared sample counts never exceed it: the ledger refuses a larger one. A dataset
   * with repeated records trains on more rows than it holds distinct records.
   */
  datasetSize?: number;
  backend?: BackendName;
  /** Deadline for each ack from the coordinator. Default 30 s. */
  ackTimeoutMs?: number;
  /** Reconnection backoff: first delay and cap, in ms. Defaults 500 and 10,000. */
  reconnectDelayMs?: number;
  reconnectDelayMaxMs?: number;
  /**
   * Where to keep the latest recorded global model (weights, spec, round, hash), rewritten
   * atomically each round, for `fedledger model export --local`: the fit for round r brings
   * round r − 1's, and each recorded round's aggregate is fetched when the round ends.
   * Default: not kept.
   */
  modelDir?: string;
};

type Pending = { submission: SubmitUpdate; acked: boolean };

/** Refusals that retrying cannot cure: the participant stops. Any other failure to log in is retried with backoff. */
const FATAL_LOGIN_CODES: readonly ErrorCode[] = [
  "NOT_REGISTERED",
  "INVALID_SIGNATURE",
  "CHALLENGE_MISMATCH",
  "PROTOCOL_VERSION_MISMATCH",
  "INVALID_PAYLOAD",
  "INVALID_CONFIG",
  "KEY_ERROR",
  // The local data does not fit the coordinator's model (checked at login): no retry changes that.
  "SHAPE_MISMATCH",
  "INVALID_DATASET",
];

/**
 * A participant's connection to the coordinator. It logs in by signing an EIP-712
 * `Login` for a fresh challenge, after checking that the challenge names its own chain,
 * ledger and the coordinator it dialled; it signs every update in its own configured
 * domain, never one the coordinator sends. It trains on every fit instruction and
 * submits the signed update. Cut off mid-round, it reconnects with backoff (as the same
 * client, so its new session replaces the old one) and resubmits the update it already
 * signed for that round, so it never trains twice for one round.
 */
export function createParticipant(options: ParticipantOptions) {
  const events = new EventEmitter<ParticipantEvents>();
  const ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
  const reconnectDelayMs = options.reconnectDelayMs ?? 500;
  const reconnectDelayMaxMs = options.reconnectDelayMaxMs ?? 10_000;
  const domain: LedgerDomainParameters = { chainId: options.chainId, ledger: getAddress(options.ledger) };
  const origin = coordinatorOrigin(options.coordinatorUrl);
  const clientId: Hex = toHex(randomBytes(32));
  const pending = new Map<number, Pending>();
  const training = new Set<number>();
  // The newest round whose model modelDir holds, the write in flight (one at a time), and
  // the federation's model spec (from the session or the latest fit), kept beside it.
  let keptRound = -1;
  let keeping: Promise<void> = Promise.resolve();
  let keepingRecorded: Promise<void> = Promise.resolve();
  let modelSpec: unknown;
  const checkData = createDataCheck(options.data);
  let session: Session | undefined;
  let started: ((s: Session) => void) | undefined;
  let failed: ((e: FedLedgerError) => void) | undefined;
  let stopped = false;
  let retries = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(options.coordinatorUrl, {
    parser: socketParser,
    auth: { protocolVersion: PROTOCOL_VERSION, address: options.account.address, clientId },
    transports: ["websocket"],
    autoConnect: false,
    reconnection: true,
    reconnectionDelay: reconnectDelayMs,
    reconnectionDelayMax: reconnectDelayMaxMs,
  });

  /** Gives up: the coordinator refused this participant for good (or is not the one configured). */
  const fail = (error: FedLedgerError) => {
    stopped = true;
    clearTimeout(retryTimer);
    failed?.(error);
    socket.disconnect();
  };

  /** Drops the connection and dials again after an exponential, jittered delay. */
  const retryLater = () => {
    if (stopped) return;
    socket.disconnect();
    const delay = Math.min(reconnectDelayMaxMs, reconnectDelayMs * 2 ** Math.min(retries, 20)) * (0.5 + Math.random() / 2);
    retries += 1;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      if (stopped) return;
      events.emit("connection:retry", { attempt: retries });
      socket.connect();
    }, delay);
  };

  const emitError = (error: unknown) => {
    const typed = isFedLedgerError(error) ? error : new FedLedgerError("INTERNAL", "Participant error", { cause: error });
    if (events.listenerCount("error") > 0) events.emit("error", typed);
    return typed;
  };

  async function call<T>(promise: Promise<Ack<T>>): Promise<T> {
    const response = await promise;
    if (response.ok) return response.data;
    const code = isErrorCode(response.error.code) ? response.error.code : "INTERNAL";
    throw new FedLedgerError(code, String(response.error.message).slice(0, 200));
  }

  async function login(): Promise<Session> {
    const raw = await call(socket.timeout(ackTimeoutMs).emitWithAck("session:challenge") as Promise<Ack<unknown>>);
    const parsed = challengeSchema.safeParse(raw);
    if (!parsed.success) throw new FedLedgerError("INVALID_PAYLOAD", "Malformed login challenge", { details: describeIssues(parsed.error) });
    const challenge = parsed.data;
    checkChallenge(challenge, { ...domain, coordinatorUrl: options.coordinatorUrl });
    const signature = await signLogin(options.account, domain, {
      participant: options.account.address,
      coordinator: origin,
      nonce: challenge.nonce,
      expiresAt: BigInt(challenge.expiresAt),
      clientId,
    });
    const answer = await call(socket.timeout(ackTimeoutMs).emitWithAck("session:authenticate", { signature }) as Promise<Ack<unknown>>);
    const established = sessionSchema.safeParse(answer);
    if (!established.success) throw new FedLedgerError("INVALID_PAYLOAD", "Malformed session", { details: describeIssues(established.error) });
    // Data that does not fit the model fails here, before any round, not at the first fit.
    if (established.data.modelSpec !== undefined) {
      checkData(established.data.modelSpec);
      modelSpec = established.data.modelSpec;
    }
    return established.data;
  }

  socket.on("connect", async () => {
    try {
      const established = await login();
      session = established;
      retries = 0;
      events.emit("session", established);
      started?.(established);
      for (const [round, p] of pending) if (!p.acked) void submit(round, p);
    } catch (error) {
      const typed = emitError(error);
      // SESSION_ACTIVE (an older session of this address is still alive), RATE_LIMITED, a
      // timeout: try again later. A refusal for good ends the participant.
      if (FATAL_LOGIN_CODES.includes(typed.code)) fail(typed);
      else retryLater();
    }
  });

  socket.on("connect_error", (error: Error & { data?: { code?: unknown; message?: string } }) => {
    const code = error.data?.code;
    // Without a code it is a network fault or a refused connection: socket.io retries on its own.
    if (!isErrorCode(code)) return;
    const typed = new FedLedgerError(code, error.data?.message ?? error.message);
    emitError(typed);
    // Refused by the coordinator's handshake check (socket.io does not retry these).
    if (FATAL_LOGIN_CODES.includes(code)) fail(typed);
    else retryLater();
  });

  // socket.io's own redials (a refused or dropped connection), made visible.
  socket.io.on("reconnect_attempt", (attempt) => {
    if (!stopped) events.emit("connection:retry", { attempt });
  });

  socket.on("disconnect", (reason) => {
    session = undefined;
    if (!stopped && reason !== "io client disconnect") events.emit("connection:lost", { reason });
    // Closed by the coordinator (login deadline, session closed): socket.io does not
    // redial these; log in again, and stop if the coordinator now refuses this participant.
    if (reason === "io server disconnect") retryLater();
  });

  socket.on("round:fit", (raw, ack) => {
    if (typeof ack === "function") ack(true);
    void onFit(raw).catch(emitError);
  });

  socket.on("round:end", (end) => {
    // An aborted attempt is retried with the same round and base model, so the signed
    // update stays valid: keep it to resubmit instead of training again.
    if (end.status === "recorded") pending.delete(end.round);
    else {
      const entry = pending.get(end.round);
      if (entry) entry.acked = false;
    }
    events.emit("round:end", end);
    const mine = Array.isArray(end.leftOut)
      ? end.leftOut.find((u) => typeof u?.participant === "string" && u.participant.toLowerCase() === options.account.address.toLowerCase())
      : undefined;
    if (mine && isErrorCode(mine.code)) events.emit("round:left-out", { round: end.round, code: mine.code });
    if (options.modelDir !== undefined && end.status === "recorded") keepingRecorded = keepRecordedModel(end);
  });

  socket.on("federation:finished", (raw) => {
    const parsed = federationFinishedSchema.safeParse(raw);
    if (!parsed.success) {
      emitError(new FedLedgerError("INVALID_PAYLOAD", "Malformed federation end", { details: describeIssues(parsed.error) }));
      return;
    }
    // After the last round's model is kept: a participant that leaves now has it.
    void keepingRecorded.then(() => keeping).then(() => events.emit("federation:finished", parsed.data));
  });

  async function onFit(raw: unknown): Promise<void> {
    const parsed = fitInstructionSchema.safeParse(raw);
    if (!parsed.success) throw new FedLedgerError("INVALID_PAYLOAD", "Malformed fit instruction", { details: describeIssues(parsed.error) });
    const fit = parsed.data;
    const prior = pending.get(fit.round);
    if (prior && prior.submission.baseModelHash === fit.baseModelHash) {
      // Same round again (after a reconnect or a coordinator restart): resubmit, don't retrain.
      await submit(fit.round, prior);
      return;
    }
    if (training.has(fit.round)) return;
    training.add(fit.round);
    try {
      checkData(fit.modelSpec);
      events.emit("round:start", { round: fit.round, deadline: fit.deadline, baseModelHash: fit.baseModelHash });
      const submission = await trainAndSign(fit);
      const entry = { submission, acked: false };
      pending.set(fit.round, entry);
      await submit(fit.round, entry);
    } finally {
      training.delete(fit.round);
    }
  }

  /** Keeps a verified global model in modelDir unless one as new is kept there; a failure is reported, not fatal. */
  function keepGlobalModel(copy: LocalModelCopy): void {
    const dir = options.modelDir;
    const round = copy.round;
    if (dir === undefined || round <= keptRound) return;
    keptRound = round;
    keeping = keeping.then(async () => {
      try {
        await writeLocalModelCopy(dir, copy);
        events.emit("model:kept", { round, modelHash: copy.modelHash, dir });
      } catch (cause) {
        emitError(new FedLedgerError("INTERNAL", `Could not keep the global model in ${dir}`, { details: cause instanceof Error ? cause.message : String(cause), cause }));
      }
    });
  }

  /**
   * Fetches and keeps the aggregate a recorded round ended with: the next fit would bring
   * it, but after the last round there is none. A failure is reported, not fatal.
   */
  async function keepRecordedModel(raw: unknown): Promise<void> {
    try {
      const parsed = roundEndSchema.safeParse(raw);
      if (!parsed.success) throw new FedLedgerError("INVALID_PAYLOAD", "Malformed round end", { details: describeIssues(parsed.error) });
      const { round, aggregateModelHash: modelHash } = parsed.data;
      const spec = modelSpec;
      if (modelHash === undefined || spec === undefined || round <= keptRound) return;
      const reply = await call(socket.timeout(ackTimeoutMs).emitWithAck("model:fetch", { modelHash }) as Promise<Ack<unknown>>);
      const weights = await checkRecordedModel(reply, { round, modelHash });
      decodeWeights(weights, layerLayout(parseModelSpec(spec))); // refuses a model that does not fit the spec
      keepGlobalModel({ round, modelHash, modelSpec: spec, weights });
    } catch (error) {
      emitError(error);
    }
  }

  async function trainAndSign(fit: FitInstruction): Promise<SubmitUpdate> {
    // No session check: a fit can arrive just before the login's ack is processed, and
    // nothing here depends on the session (the domain is the participant's own).
    const modelHash = await contentHash(fit.model);
    if (modelHash.toLowerCase() !== fit.baseModelHash.toLowerCase()) {
      throw new FedLedgerError("HASH_MISMATCH", "The global model does not match its announced hash");
    }
    const spec = parseModelSpec(fit.modelSpec);
    const layout = layerLayout(spec);
    const global = decodeWeights(fit.model, layout).weights;
    modelSpec = fit.modelSpec;
    keepGlobalModel({ round: fit.round - 1, modelHash: fit.baseModelHash, modelSpec: fit.modelSpec, weights: fit.model });
    const { trainLocal } = await import("../training/trainLocal.ts");
    if (options.backend) {
      const { selectBackend } = await import("../training/backend.ts");
      await selectBackend({ preferred: options.backend });
    }
    const result = await trainLocal({
      spec,
      globalWeights: global,
      data: options.data,
      config: fit.trainConfig as Parameters<typeof trainLocal>[0]["config"],
      onProgress: (p) => events.emit("round:progress", { round: fit.round, ...p }),
    });
    const metrics: Record<string, number> = { loss: result.metrics.loss, accuracy: result.metrics.accuracy };
    if (result.metrics.evalAccuracy !== undefined) metrics.evalAccuracy = result.metrics.evalAccuracy;
    const numSamples = Math.min(result.numSamples, options.datasetSize ?? result.numSamples);
    events.emit("round:trained", { round: fit.round, numSamples, seconds: result.seconds, metrics });
    const update = encodeWeights(result.update, layout, fit.dtype);
    const updateHash = await contentHash(update);
    // The participant's own domain: never one the coordinator sent.
    const signature = await signUpdate(options.account, domain, {
      round: BigInt(fit.round),
      baseModelHash: fit.baseModelHash,
      updateHash,
      numSamples: BigInt(numSamples),
      datasetCommitment: options.datasetCommitment,
    });
    return { round: fit.round, baseModelHash: fit.baseModelHash, numSamples, updateHash, update, signature, metrics };
  }

  async function submit(round: number, entry: Pending): Promise<void> {
    if (!socket.connected || !session) return; // resubmitted after the next authentication
    try {
      const receipt = await call(socket.timeout(ackTimeoutMs).emitWithAck("round:submit", entry.submission) as Promise<Ack<SubmitReceipt>>);
      entry.acked = true;
      events.emit("round:submitted", { round, updateHash: receipt.updateHash, duplicate: receipt.duplicate });
    } catch (error) {
      if (isFedLedgerError(error)) {
        pending.delete(round); // refused: resubmitting the same bytes cannot succeed
        emitError(error);
      }
      // A timeout or disconnect keeps the update pending; it is resubmitted on reconnect.
    }
  }

  return {
    events,
    /** Connects and authenticates; resolves with the session, rejects if the coordinator refuses this participant. */
    start(): Promise<Session> {
      return new Promise((resolve, reject) => {
        started = resolve;
        failed = reject;
        stopped = false;
        socket.connect();
      });
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(retryTimer);
      socket.disconnect();
    },
    /** Random per instance, sent with every (re)connection: the coordinator treats a login with it as this client's reconnect. */
    clientId,
    get connected(): boolean {
      return socket.connected;
    },
  };
}

export type Participant = ReturnType<typeof createParticipant>;
