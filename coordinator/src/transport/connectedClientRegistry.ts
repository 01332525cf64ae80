import type { Address, Hex } from "viem";
import type { Socket } from "socket.io";
import { type Challenge, type ClientToServerEvents, type FederationFinished, FedLedgerError, type FitInstruction, type RoundEnd, type ServerToClientEvents } from "@fedledger/client-sdk";
import type { ConnectedClients } from "../rounds/connectedClients.ts";

export type ParticipantSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type SocketData = {
  address: Address;
  /** Random per client instance (from the handshake); the same id on a new socket is that client's reconnect. */
  clientId: Hex;
  authenticated: boolean;
  /** The outstanding login challenge; taken (single use) by the next authentication attempt. */
  challenge?: Challenge | undefined;
};

/**
 * The authenticated sockets, one per participant. A new login replaces the old session
 * only when it comes from the same client (same clientId); another client's login is
 * refused with SESSION_ACTIVE while the old socket is connected.
 */
export function createConnectedClientRegistry(options: { ackTimeoutMs: number }) {
  const sockets = new Map<Address, ParticipantSocket>();
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };

  const registry: ConnectedClients & {
    /** Makes `socket` its address's session; throws SESSION_ACTIVE if another client's session is alive. */
    add(socket: ParticipantSocket): void;
    remove(socket: ParticipantSocket): void;
    size(): number;
  } = {
    add(socket) {
      const previous = sockets.get(socket.data.address);
      if (previous && previous.id !== socket.id && previous.connected && previous.data.clientId !== socket.data.clientId) {
        throw new FedLedgerError("SESSION_ACTIVE", `${socket.data.address} is logged in from another client`);
      }
      sockets.set(socket.data.address, socket);
      if (previous && previous.id !== socket.id) previous.disconnect(true);
      notify();
    },
    remove(socket) {
      if (sockets.get(socket.data.address)?.id === socket.id) sockets.delete(socket.data.address);
    },
    disconnect(address) {
      const socket = sockets.get(address);
      if (!socket) return false;
      sockets.delete(address);
      socket.disconnect(true);
      return true;
    },
    size: () => sockets.size,
    available: () => [...sockets.keys()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
    waitForAvailable(count, timeoutMs, signal) {
      if (sockets.size >= count) return Promise.resolve(true);
      return new Promise((resolve) => {
        const finish = (ok: boolean) => {
          clearTimeout(timer);
          waiters.delete(check);
          signal?.removeEventListener("abort", onAbort);
          resolve(ok);
        };
        const check = () => {
          if (sockets.size >= count) finish(true);
        };
        const onAbort = () => finish(false);
        const timer = setTimeout(() => finish(false), timeoutMs);
        waiters.add(check);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
    async sendFit(address: Address, instruction: FitInstruction): Promise<boolean> {
      const socket = sockets.get(address);
      if (!socket) return false;
      try {
        return (await socket.timeout(options.ackTimeoutMs).emitWithAck("round:fit", instruction)) === true;
      } catch {
        return false;
      }
    },
    sendRoundEnd(addresses: readonly Address[], end: RoundEnd): void {
      for (const address of addresses) sockets.get(address)?.emit("round:end", end);
    },
    sendFinished(finished: FederationFinished, addresses?: readonly Address[]): void {
      for (const address of addresses ?? [...sockets.keys()]) sockets.get(address)?.emit("federation:finished", finished);
    },
  };
  return registry;
}

export type ConnectedClientRegistry = ReturnType<typeof createConnectedClientRegistry>;
