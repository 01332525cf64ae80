import type { IncomingMessage } from "node:http";

export type ConnectionLimits = {
  /** A connection that has not logged in by then is closed. */
  loginTimeoutMs: number;
  /** Connections open at once, in total. */
  maxConnections: number;
  /** Connections open at once from one remote IP address. */
  maxConnectionsPerAddress: number;
  /** Connections open at once that have not logged in yet. */
  maxPendingLogins: number;
};

/** The part of an engine.io connection this module uses. */
export type EngineConnection = {
  remoteAddress: string;
  close(): void;
  once(event: "close", listener: () => void): unknown;
};

/**
 * Connection admission at the engine.io level, before socket.io looks at a byte. A
 * request is checked against the limits when it arrives (`allowRequest`: a refusal costs
 * one HTTP response), and again when its connection opens, since many concurrent
 * requests can pass the first check together. Every admitted connection must log in
 * within `loginTimeoutMs`, or it is closed.
 */
export function createConnectionAdmission(limits: ConnectionLimits, hooks: { onRefused?: (reason: string, remoteAddress: string) => void } = {}) {
  const perAddress = new Map<string, number>();
  /** Connections not logged in yet, with their login deadline. */
  const pendingLogins = new Map<object, ReturnType<typeof setTimeout>>();
  let total = 0;

  const refusal = (remoteAddress: string): string | undefined => {
    if (total >= limits.maxConnections) return "too many connections";
    if ((perAddress.get(remoteAddress) ?? 0) >= limits.maxConnectionsPerAddress) return "too many connections from this address";
    if (pendingLogins.size >= limits.maxPendingLogins) return "too many pending logins";
    return undefined;
  };

  return {
    /** engine.io's `allowRequest` option. */
    allowRequest(request: IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void): void {
      const remoteAddress = request.socket.remoteAddress ?? "";
      const reason = refusal(remoteAddress);
      if (reason !== undefined) hooks.onRefused?.(reason, remoteAddress);
      callback(reason ?? null, reason === undefined);
    },
    /** Call on every engine.io `connection`. */
    admit(connection: EngineConnection): void {
      const remoteAddress = connection.remoteAddress ?? "";
      const reason = refusal(remoteAddress);
      if (reason !== undefined) {
        hooks.onRefused?.(reason, remoteAddress);
        connection.close();
        return;
      }
      total += 1;
      perAddress.set(remoteAddress, (perAddress.get(remoteAddress) ?? 0) + 1);
      pendingLogins.set(
        connection,
        setTimeout(() => connection.close(), limits.loginTimeoutMs),
      );
      connection.once("close", () => {
        total -= 1;
        const left = (perAddress.get(remoteAddress) ?? 1) - 1;
        if (left > 0) perAddress.set(remoteAddress, left);
        else perAddress.delete(remoteAddress);
        clearTimeout(pendingLogins.get(connection));
        pendingLogins.delete(connection);
      });
    },
    /** The connection (the engine.io socket under a socket.io one) logged in: its login deadline no longer applies. */
    loggedIn(connection: object): void {
      clearTimeout(pendingLogins.get(connection));
      pendingLogins.delete(connection);
    },
    counts: () => ({ connections: total, pendingLogins: pendingLogins.size, addresses: perAddress.size }),
  };
}

export type ConnectionAdmission = ReturnType<typeof createConnectionAdmission>;
