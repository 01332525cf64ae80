import type { Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { Server } from "socket.io";
import { type Address, getAddress, type Hex } from "viem";
import {
  type Ack,
  CLIENT_EVENT_PAYLOADS,
  type ClientToServerEvents,
  FedLedgerError,
  isFedLedgerError,
  type LedgerDomainParameters,
  messages,
  PROTOCOL_VERSION,
  type RecordedModel,
  type ServerToClientEvents,
  type Session,
  type SubmitReceipt,
  socketParser,
} from "@fedledger/client-sdk";
import type { Logger } from "pino";
import { createConnectedClientRegistry, type ParticipantSocket, type SocketData } from "./connectedClientRegistry.ts";
import { type ConnectionLimits, createConnectionAdmission, type EngineConnection } from "./connectionAdmission.ts";
import { createLoginChallenges } from "./loginChallenges.ts";
import { createTokenBucket } from "./tokenBucket.ts";
import { whenWrittenOut } from "./whenWrittenOut.ts";

export type CoordinatorServerDependencies = {
  domain: LedgerDomainParameters;
  /**
   * The URL participants dial, bound into every login: config `server.publicUrl`, else the
   * URL the server listens on. Undefined before listening. Never derived from a request.
   */
  coordinatorUrl: () => string | undefined;
  /** The federation's model spec as configured, sent in every session so participants check their data at login. */
  modelSpec?: unknown;
  /** True when `address` is an active participant on the ledger. */
  isActiveParticipant: (address: Address) => Promise<boolean>;
  /** Handles an authenticated participant's submission (the round engine). */
  submit: (sender: Address, payload: unknown) => Promise<Ack<SubmitReceipt>>;
  /** Answers an authenticated participant's `model:fetch`: a recorded model, or a FedLedgerError thrown. */
  fetchModel: (payload: unknown) => Promise<RecordedModel>;
  logger: Logger;
  onRefused?: (code: string) => void;
  /** Called after a participant authenticates (the engine re-sends an open round to it). */
  onAuthenticated?: (address: Address) => void;
  /** Clock for challenge expiry and rate limits (tests). Default Date.now. */
  now?: () => number;
};

export type CoordinatorServerOptions = ConnectionLimits & {
  /** Largest socket.io message accepted; bigger ones close the connection. Size it from the model. */
  maxHttpBufferSize: number;
  /** Per-socket deadline for a client to acknowledge a server message. */
  ackTimeoutMs: number;
  /** How long a login challenge stays valid. */
  challengeTtlMs: number;
  /** Token bucket per socket over every client event (challenge, authenticate, submit, model fetch): refill rate and size. */
  submissionsPerMinute: number;
  submissionBurst: number;
};

/**
 * The coordinator's socket.io server (the factory; the caller owns the HTTP(S) server
 * and listens). Connections are admitted within limits and must log in by a deadline.
 * Every socket must prove control of its address with an EIP-712 login bound to this
 * coordinator, and be an active participant on the ledger, before anything else it sends
 * is looked at; one session per address. Every event is rate limited, every payload is
 * validated, and every ack is `{ ok, data } | { ok, error }` with a protocol error code.
 */
export function createCoordinatorServer(
  httpServer: HttpServer | HttpsServer,
  deps: CoordinatorServerDependencies,
  options: CoordinatorServerOptions,
) {
  const now = deps.now ?? Date.now;
  const admission = createConnectionAdmission(options, {
    onRefused: (reason, remoteAddress) => deps.logger.debug({ reason, remoteAddress }, "connection refused"),
  });
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(httpServer, {
    parser: socketParser,
    maxHttpBufferSize: options.maxHttpBufferSize,
    serveClient: false,
    connectTimeout: options.loginTimeoutMs,
    allowRequest: admission.allowRequest,
  });
  io.engine.on("connection", (connection: EngineConnection) => admission.admit(connection));
  const clients = createConnectedClientRegistry({ ackTimeoutMs: options.ackTimeoutMs });
  const challenges = createLoginChallenges({ domain: deps.domain, coordinatorUrl: deps.coordinatorUrl, ttlMs: options.challengeTtlMs, now });
  /** Engine connections that already carry a socket.io socket. */
  const namespaced = new WeakSet<object>();
  /** The model each socket fetched last, and who waits to hear of fetches (see allFetched). */
  const fetched = new WeakMap<ParticipantSocket, Hex>();
  const fetchWaiters = new Set<() => void>();
  const notifyFetchWaiters = () => {
    for (const waiter of fetchWaiters) waiter();
  };
  const refuse = (error: FedLedgerError) => {
    deps.onRefused?.(error.code);
    return { ok: false as const, error: error.toWire() };
  };

  io.use((socket, next) => {
    const auth: unknown = socket.handshake.auth;
    const version = typeof auth === "object" && auth !== null && "protocolVersion" in auth ? auth.protocolVersion : undefined;
    if (typeof version === "number" && version !== PROTOCOL_VERSION) {
      return next(
        wireError(
          new FedLedgerError("PROTOCOL_VERSION_MISMATCH", `This coordinator speaks protocol ${PROTOCOL_VERSION}`, {
            details: `client sent ${version}`,
          }),
        ),
      );
    }
    const handshake = messages.handshakeSchema.safeParse(auth);
    if (!handshake.success) {
      return next(wireError(new FedLedgerError("INVALID_PAYLOAD", "Malformed handshake", { details: messages.describeIssues(handshake.error) })));
    }
    // One socket per connection: a second CONNECT on a connection (after a DISCONNECT, or
    // beside a logged-in socket) would escape that connection's login deadline.
    if (namespaced.has(socket.conn)) {
      socket.conn.close();
      return next(wireError(new FedLedgerError("INVALID_PAYLOAD", "One socket per connection")));
    }
    namespaced.add(socket.conn);
    socket.data = { address: getAddress(handshake.data.address), clientId: handshake.data.clientId, authenticated: false };
    next();
  });

  io.on("connection", (socket: ParticipantSocket) => {
    const log = deps.logger.child({ socket: socket.id, address: socket.data.address });
    log.debug("connected");

    // Every client event spends a token, whatever it is; a refused one is answered (when
    // it carries an ack) and never reaches a handler.
    const bucket = createTokenBucket({ perMinute: options.submissionsPerMinute, burst: options.submissionBurst, now });
    socket.use((event, next) => {
      if (bucket.take()) return next();
      const ack: unknown = event[event.length - 1];
      if (typeof ack === "function") ack(refuse(new FedLedgerError("RATE_LIMITED", "Too many messages: slow down")));
    });
    // Every event with an ack is answered: an unknown event, or one with the wrong number
    // of arguments, is refused here (handlers read their arguments by position).
    socket.use((event, next) => {
      const [name, ...args] = event;
      const ack: unknown = args.at(-1);
      if (typeof ack !== "function") return; // nothing to answer, nothing to do
      const expected: number | undefined = Object.hasOwn(CLIENT_EVENT_PAYLOADS, name)
        ? CLIENT_EVENT_PAYLOADS[name as keyof typeof CLIENT_EVENT_PAYLOADS]
        : undefined;
      if (expected === args.length - 1) return next();
      const problem = expected === undefined ? "unknown event" : `expected ${expected} argument(s) before the ack, got ${args.length - 1}`;
      ack(refuse(new FedLedgerError("INVALID_PAYLOAD", "Malformed event", { details: `${String(name).slice(0, 64)}: ${problem}` })));
    });

    socket.on("session:challenge", (ack) => {
      if (typeof ack !== "function") return;
      try {
        const challenge = challenges.issue();
        socket.data.challenge = challenge;
        ack({ ok: true, data: challenge });
      } catch (error) {
        ack(refuse(isFedLedgerError(error) ? error : new FedLedgerError("INTERNAL", "Could not issue a challenge", { cause: error })));
      }
    });

    socket.on("session:authenticate", async (payload, ack) => {
      if (typeof ack !== "function") return;
      try {
        ack({ ok: true, data: await authenticate(socket, payload) });
        log.info("authenticated");
        deps.onAuthenticated?.(socket.data.address);
      } catch (error) {
        const refusal = isFedLedgerError(error) ? error : new FedLedgerError("INTERNAL", "Authentication failed", { cause: error });
        log.warn({ code: refusal.code }, "authentication refused");
        ack(refuse(refusal));
      }
    });

    socket.on("round:submit", async (payload, ack) => {
      if (typeof ack !== "function") return;
      if (!socket.data.authenticated) {
        ack(refuse(new FedLedgerError("UNAUTHENTICATED", "Authenticate before submitting")));
        return;
      }
      ack(await deps.submit(socket.data.address, payload));
    });

    // One fetch at a time per socket, held until its reply is written out: a peer that asks
    // and never reads cannot pile models up in the coordinator's memory.
    let fetching = false;
    socket.on("model:fetch", async (payload, ack) => {
      if (typeof ack !== "function") return;
      if (!socket.data.authenticated) {
        ack(refuse(new FedLedgerError("UNAUTHENTICATED", "Authenticate before fetching a model")));
        return;
      }
      if (fetching) {
        ack(refuse(new FedLedgerError("RATE_LIMITED", "One model fetch at a time: wait for the previous reply")));
        return;
      }
      fetching = true;
      let reply: Ack<RecordedModel>;
      try {
        reply = { ok: true, data: await deps.fetchModel(payload) };
      } catch (error) {
        const refusal = isFedLedgerError(error) ? error : new FedLedgerError("INTERNAL", "Could not fetch the model", { cause: error });
        if (refusal.code === "INTERNAL") log.error({ err: refusal.message }, "model fetch failed");
        reply = refuse(refusal);
      }
      ack(reply);
      if (reply.ok) {
        fetched.set(socket, reply.data.modelHash);
        notifyFetchWaiters();
        await whenWrittenOut(socket);
      }
      fetching = false;
    });

    socket.on("disconnect", (reason) => {
      clients.remove(socket);
      notifyFetchWaiters();
      // The connection carried only this socket: close it, so it cannot linger unauthenticated.
      socket.conn.close();
      log.debug({ reason }, "disconnected");
    });
  });

  async function authenticate(socket: ParticipantSocket, payload: unknown): Promise<Session> {
    const parsed = messages.authenticateSchema.safeParse(payload);
    if (!parsed.success) throw new FedLedgerError("INVALID_PAYLOAD", "Malformed authentication", { details: messages.describeIssues(parsed.error) });
    const challenge = socket.data.challenge;
    socket.data.challenge = undefined; // single use, whatever the outcome
    const { address, clientId } = socket.data;
    await challenges.verify({ challenge, participant: address, clientId, signature: parsed.data.signature });
    if (!(await deps.isActiveParticipant(address))) {
      throw new FedLedgerError("NOT_REGISTERED", `${address} is not an active participant on the ledger`);
    }
    // It may have gone while the ledger was read: a closed socket must not become the session.
    if (!socket.connected) throw new FedLedgerError("UNAUTHENTICATED", "The connection closed during authentication");
    clients.add(socket);
    socket.data.authenticated = true;
    admission.loggedIn(socket.conn);
    const session = { address, chainId: deps.domain.chainId, ledger: deps.domain.ledger };
    return deps.modelSpec === undefined ? session : { ...session, modelSpec: deps.modelSpec };
  }

  return {
    io,
    clients,
    /** Open connections, those not logged in yet, and distinct remote addresses. */
    connections: admission.counts,
    /**
     * Resolves once every logged-in participant has fetched `modelHash` (the final model,
     * before the coordinator exits), or after `timeoutMs`, or when `signal` aborts.
     */
    allFetched(modelHash: Hex, timeoutMs: number, signal?: AbortSignal): Promise<void> {
      const hash = modelHash.toLowerCase();
      const done = () =>
        signal?.aborted === true ||
        [...io.sockets.sockets.values()].every((s) => !s.data.authenticated || s.disconnected || fetched.get(s) === hash);
      if (done() || timeoutMs === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          fetchWaiters.delete(check);
          signal?.removeEventListener("abort", finish);
          resolve();
        };
        const check = () => {
          if (done()) finish();
        };
        const timer = setTimeout(finish, timeoutMs);
        fetchWaiters.add(check);
        signal?.addEventListener("abort", finish, { once: true });
      });
    },
    async close(): Promise<void> {
      await io.close();
    },
  };
}

function wireError(error: FedLedgerError): Error & { data: { code: string; message: string } } {
  return Object.assign(new Error(error.shortMessage), { data: error.toWire() });
}
