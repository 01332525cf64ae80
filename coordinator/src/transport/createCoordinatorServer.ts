import { randomBytes } from "node:crypto";
import type { Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { Server } from "socket.io";
import { type Address, getAddress, type Hex, verifyMessage } from "viem";
import {
  type Ack,
  type ClientToServerEvents,
  FedLedgerError,
  isFedLedgerError,
  type LedgerDomainParameters,
  messages,
  PROTOCOL_VERSION,
  type ServerToClientEvents,
  type Session,
  type SubmitReceipt,
  socketParser,
} from "@fedledger/client-sdk";
import type { Logger } from "pino";
import { createConnectedClientRegistry, type ParticipantSocket, type SocketData } from "./connectedClientRegistry.ts";

export type CoordinatorServerDependencies = {
  domain: LedgerDomainParameters;
  /** True when `address` is an active participant on the ledger. */
  isActiveParticipant: (address: Address) => Promise<boolean>;
  /** Handles an authenticated participant's submission (the round engine). */
  submit: (sender: Address, payload: unknown) => Promise<Ack<SubmitReceipt>>;
  logger: Logger;
  onRefused?: (code: string) => void;
  /** Called after a participant authenticates (the engine re-sends an open round to it). */
  onAuthenticated?: (address: Address) => void;
};

export type CoordinatorServerOptions = {
  /** Largest socket.io message accepted; bigger ones close the connection. Size it from the model. */
  maxHttpBufferSize: number;
  /** Per-socket deadline for a client to acknowledge a server message. */
  ackTimeoutMs: number;
  /** How long a login challenge stays valid. */
  challengeTtlMs: number;
};

/**
 * The coordinator's socket.io server (the factory; the caller owns the HTTP(S) server
 * and listens). Every socket must prove control of its address by signing a fresh
 * challenge, and be an active participant on the ledger, before anything else it sends
 * is looked at. Every payload is validated; every ack is `{ ok, data } | { ok, error }`
 * with a protocol error code.
 */
export function createCoordinatorServer(
  httpServer: HttpServer | HttpsServer,
  deps: CoordinatorServerDependencies,
  options: CoordinatorServerOptions,
) {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(httpServer, {
    parser: socketParser,
    maxHttpBufferSize: options.maxHttpBufferSize,
    serveClient: false,
  });
  const clients = createConnectedClientRegistry({ ackTimeoutMs: options.ackTimeoutMs });
  const refuse = (error: FedLedgerError) => {
    deps.onRefused?.(error.code);
    return { ok: false as const, error: error.toWire() };
  };

  io.use((socket, next) => {
    const handshake = messages.handshakeSchema.safeParse(socket.handshake.auth);
    if (!handshake.success) {
      return next(wireError(new FedLedgerError("INVALID_PAYLOAD", "Malformed handshake", { details: handshake.error.message })));
    }
    if (handshake.data.protocolVersion !== PROTOCOL_VERSION) {
      return next(
        wireError(
          new FedLedgerError("PROTOCOL_VERSION_MISMATCH", `This coordinator speaks protocol ${PROTOCOL_VERSION}`, {
            details: `client sent ${handshake.data.protocolVersion}`,
          }),
        ),
      );
    }
    socket.data = { address: getAddress(handshake.data.address), authenticated: false };
    next();
  });

  io.on("connection", (socket: ParticipantSocket) => {
    const log = deps.logger.child({ socket: socket.id, address: socket.data.address });
    log.debug("connected");

    socket.on("session:challenge", (ack) => {
      if (typeof ack !== "function") return;
      const expiresAt = Date.now() + options.challengeTtlMs;
      const nonce = randomBytes(32).toString("hex");
      const text = [
        "fedledger login",
        `address: ${socket.data.address}`,
        `chain: ${deps.domain.chainId}`,
        `ledger: ${deps.domain.ledger}`,
        `nonce: ${nonce}`,
        `expires: ${new Date(expiresAt).toISOString()}`,
      ].join("\n");
      socket.data.challenge = { text, expiresAt };
      ack({ ok: true, data: { challenge: text, expiresAt } });
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

    socket.on("disconnect", (reason) => {
      clients.remove(socket);
      log.debug({ reason }, "disconnected");
    });
  });

  async function authenticate(socket: ParticipantSocket, payload: unknown): Promise<Session> {
    const parsed = messages.authenticateSchema.safeParse(payload);
    if (!parsed.success) throw new FedLedgerError("INVALID_PAYLOAD", "Malformed authentication", { details: parsed.error.message });
    const challenge = socket.data.challenge;
    socket.data.challenge = undefined; // single use
    if (!challenge || challenge.expiresAt < Date.now()) {
      throw new FedLedgerError("UNAUTHENTICATED", "No valid challenge: request a fresh one");
    }
    const valid = await verifyMessage({ address: socket.data.address, message: challenge.text, signature: parsed.data.signature as Hex }).catch(
      () => false,
    );
    if (!valid) throw new FedLedgerError("INVALID_SIGNATURE", "The challenge signature is not the handshake address's");
    if (!(await deps.isActiveParticipant(socket.data.address))) {
      throw new FedLedgerError("NOT_REGISTERED", `${socket.data.address} is not an active participant on the ledger`);
    }
    socket.data.authenticated = true;
    clients.add(socket);
    return { address: socket.data.address, chainId: deps.domain.chainId, ledger: deps.domain.ledger };
  }

  return {
    io,
    clients,
    async close(): Promise<void> {
      await io.close();
    },
  };
}

function wireError(error: FedLedgerError): Error & { data: { code: string; message: string } } {
  return Object.assign(new Error(error.shortMessage), { data: error.toWire() });
}
