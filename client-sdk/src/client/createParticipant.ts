import { EventEmitter } from "node:events";
import { io, type Socket } from "socket.io-client";
import type { Hex, LocalAccount } from "viem";
import { FedLedgerError, isFedLedgerError } from "../errors/FedLedgerError.ts";
import { isErrorCode } from "../errors/codes.ts";
import { decodeWeights, encodeWeights } from "../protocol/encoding/weightsCodec.ts";
import type { ClientToServerEvents, ServerToClientEvents } from "../protocol/events.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import {
  type Ack,
  type Challenge,
  type FitInstruction,
  fitInstructionSchema,
  type Session,
  type SubmitReceipt,
  type SubmitUpdate,
} from "../protocol/messages.ts";
import { signUpdate } from "../protocol/signing.ts";
import { socketParser } from "../protocol/socketParser.ts";
import { PROTOCOL_VERSION } from "../protocol/version.ts";
import type { BackendName } from "../training/backend.ts";
import { layerLayout, parseModelSpec } from "../training/modelSpec.ts";
import type { TrainingData } from "../training/trainingData.ts";
import type { ParticipantEvents } from "./participantEvents.ts";

export type ParticipantOptions = {
  coordinatorUrl: string;
  account: LocalAccount;
  data: TrainingData;
  /** The commitment registered on the ledger for this participant (its dataset fingerprint). */
  datasetCommitment: Hex;
  backend?: BackendName;
  /** Deadline for each ack from the coordinator. Default 30 s. */
  ackTimeoutMs?: number;
  /** Reconnection backoff: first delay and cap, in ms. Defaults 500 and 10,000. */
  reconnectDelayMs?: number;
  reconnectDelayMaxMs?: number;
};

type Pending = { submission: SubmitUpdate; acked: boolean };

/**
 * A participant's connection to the coordinator. It authenticates by signing a fresh
 * challenge, trains on every fit instruction, and submits the signed update. Cut off
 * mid-round, it reconnects with backoff and resubmits the update it already signed
 * for that round, so it never trains twice for one round.
 */
export function createParticipant(options: ParticipantOptions) {
  const events = new EventEmitter<ParticipantEvents>();
  const ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
  const pending = new Map<number, Pending>();
  const training = new Set<number>();
  let session: Session | undefined;
  let started: ((s: Session) => void) | undefined;
  let failed: ((e: FedLedgerError) => void) | undefined;

  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(options.coordinatorUrl, {
    parser: socketParser,
    auth: { protocolVersion: PROTOCOL_VERSION, address: options.account.address },
    transports: ["websocket"],
    autoConnect: false,
    reconnection: true,
    reconnectionDelay: options.reconnectDelayMs ?? 500,
    reconnectionDelayMax: options.reconnectDelayMaxMs ?? 10_000,
  });

  const emitError = (error: unknown) => {
    const typed = isFedLedgerError(error) ? error : new FedLedgerError("INTERNAL", "Participant error", { cause: error });
    if (events.listenerCount("error") > 0) events.emit("error", typed);
    return typed;
  };

  async function call<T>(promise: Promise<Ack<T>>): Promise<T> {
    const response = await promise;
    if (response.ok) return response.data;
    const code = isErrorCode(response.error.code) ? response.error.code : "INTERNAL";
    throw new FedLedgerError(code, response.error.message);
  }

  socket.on("connect", async () => {
    try {
      const challenge = await call(socket.timeout(ackTimeoutMs).emitWithAck("session:challenge") as Promise<Ack<Challenge>>);
      const signature = await options.account.signMessage({ message: challenge.challenge });
      const established = await call(socket.timeout(ackTimeoutMs).emitWithAck("session:authenticate", { signature }) as Promise<Ack<Session>>);
      session = established;
      events.emit("session", established);
      started?.(established);
      for (const [round, p] of pending) if (!p.acked) void submit(round, p);
    } catch (error) {
      const typed = emitError(error);
      if (typed.code === "NOT_REGISTERED" || typed.code === "INVALID_SIGNATURE") {
        failed?.(typed);
        socket.disconnect();
      }
    }
  });

  socket.on("connect_error", (error: Error & { data?: { code?: unknown; message?: string } }) => {
    const code = error.data?.code;
    if (isErrorCode(code)) {
      // Refused by the coordinator (not a network fault): retrying will not help.
      const typed = new FedLedgerError(code, error.data?.message ?? error.message);
      emitError(typed);
      failed?.(typed);
      socket.disconnect();
    }
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
  });

  async function onFit(raw: unknown): Promise<void> {
    const parsed = fitInstructionSchema.safeParse(raw);
    if (!parsed.success) throw new FedLedgerError("INVALID_PAYLOAD", "Malformed fit instruction", { details: parsed.error.message });
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
      events.emit("round:start", { round: fit.round, deadline: fit.deadline, baseModelHash: fit.baseModelHash });
      const submission = await trainAndSign(fit);
      const entry = { submission, acked: false };
      pending.set(fit.round, entry);
      await submit(fit.round, entry);
    } finally {
      training.delete(fit.round);
    }
  }

  async function trainAndSign(fit: FitInstruction): Promise<SubmitUpdate> {
    if (!session) throw new FedLedgerError("UNAUTHENTICATED", "No session");
    const modelHash = await contentHash(fit.model);
    if (modelHash.toLowerCase() !== fit.baseModelHash.toLowerCase()) {
      throw new FedLedgerError("HASH_MISMATCH", "The global model does not match its announced hash");
    }
    const spec = parseModelSpec(fit.modelSpec);
    const layout = layerLayout(spec);
    const global = decodeWeights(fit.model, layout).weights;
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
      onProgress: (p) => events.emit("round:progress", { round: fit.round, epoch: p.epoch, epochs: p.epochs, loss: p.loss, samplesPerSec: p.samplesPerSec }),
    });
    const metrics: Record<string, number> = { loss: result.metrics.loss, accuracy: result.metrics.accuracy };
    if (result.metrics.evalAccuracy !== undefined) metrics.evalAccuracy = result.metrics.evalAccuracy;
    events.emit("round:trained", { round: fit.round, numSamples: result.numSamples, seconds: result.seconds, metrics });
    const update = encodeWeights(result.update, layout, fit.dtype);
    const updateHash = await contentHash(update);
    const signature = await signUpdate(options.account, { chainId: session.chainId, ledger: session.ledger }, {
      round: BigInt(fit.round),
      baseModelHash: fit.baseModelHash,
      updateHash,
      numSamples: BigInt(result.numSamples),
      datasetCommitment: options.datasetCommitment,
    });
    return { round: fit.round, baseModelHash: fit.baseModelHash, numSamples: result.numSamples, updateHash, update, signature, metrics };
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
        socket.connect();
      });
    },
    async stop(): Promise<void> {
      socket.disconnect();
    },
    get connected(): boolean {
      return socket.connected;
    },
  };
}

export type Participant = ReturnType<typeof createParticipant>;
