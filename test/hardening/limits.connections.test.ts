import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import type { Socket as ServerSocket } from "socket.io";
import { afterEach, describe, expect, it } from "vitest";
import { type Address, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  createCoordinatorServer,
  type CoordinatorServerDependencies,
  type CoordinatorServerOptions,
} from "../../coordinator/src/transport/createCoordinatorServer.ts";
import { FedLedgerError, socketParser } from "@fedledger/client-sdk";
import { connectRawClient, type RawClient } from "../fixtures/rawClient.ts";
import { startTcpProxy } from "../fixtures/tcpProxy.ts";

// The transport alone: a real socket.io server on 127.0.0.1 and real socket.io peers.
// The ledger read and the round engine are injected (every account is active; every
// submission is acknowledged), so only the transport's limits are under test.
const DOMAIN = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };
const account = (i: number) => privateKeyToAccount(keccak256(toHex(`limits test ${i}`)));
const RECEIPT = { round: 1, updateHash: keccak256(toHex("update")), duplicate: false };

const DEFAULTS: CoordinatorServerOptions = {
  maxHttpBufferSize: 1 << 20,
  ackTimeoutMs: 5_000,
  challengeTtlMs: 60_000,
  loginTimeoutMs: 60_000,
  maxConnections: 1_000,
  maxConnectionsPerAddress: 1_000,
  maxPendingLogins: 1_000,
  submissionsPerMinute: 6_000,
  submissionBurst: 1_000,
};

const servers: { close(): Promise<void> }[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function startServer(options: Partial<CoordinatorServerOptions> = {}, now?: () => number, deps: Partial<CoordinatorServerDependencies> = {}) {
  const http = createServer();
  const submitted: Address[] = [];
  const server = createCoordinatorServer(
    http,
    {
      domain: DOMAIN,
      coordinatorUrl: () => url,
      isActiveParticipant: async () => true,
      submit: async (sender) => {
        submitted.push(sender);
        return { ok: true, data: RECEIPT };
      },
      fetchModel: async () => {
        throw new FedLedgerError("MODEL_NOT_RECORDED", "No recorded round produced this model");
      },
      logger: pino({ level: "silent" }),
      ...(now ? { now } : {}),
      ...deps,
    },
    { ...DEFAULTS, ...options },
  );
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  servers.push(server);
  // Server-side sockets by id, and how many reached socket.io at all.
  const serverSockets = new Map<string, ServerSocket>();
  let socketIoConnections = 0;
  server.io.on("connection", (socket) => {
    socketIoConnections += 1;
    serverSockets.set(socket.id, socket);
  });
  const connect = async (i: number) => {
    const client = await connectRawClient(url, account(i));
    clients.push(client);
    return client;
  };
  /** Closes `client` and resolves once the server has let go of its connection. */
  const closeAndWait = async (client: RawClient) => {
    const serverSocket = serverSockets.get(client.socket.id!);
    const gone = new Promise<void>((resolve) => serverSocket!.conn.once("close", () => setImmediate(resolve)));
    client.close();
    await gone;
  };
  return { server, url, submitted, connect, closeAndWait, socketIoConnections: () => socketIoConnections };
}

const refused = (promise: Promise<unknown>) => promise.then(() => false, () => true);
const closed = (client: RawClient) => new Promise<string>((resolve) => client.socket.once("disconnect", resolve));

describe("connection limits, enforced before socket.io reads a byte", () => {
  it("closes every socket that has not logged in by the deadline, socket.io or bare engine.io, and keeps the one that did", async () => {
    const s = await startServer({ loginTimeoutMs: 400 });
    const honest = await s.connect(0);
    expect((await honest.authenticate()).ok).toBe(true);
    const idle = await Promise.all(Array.from({ length: 50 }, (_, i) => s.connect(i + 1)));
    // Bare WebSockets that open an engine.io session and never send socket.io's CONNECT.
    const bare = Array.from({ length: 5 }, () => new WebSocket(`${s.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`));
    const bareClosed = bare.map((ws) => new Promise<void>((resolve) => ws.addEventListener("close", () => resolve())));
    const reasons = await Promise.all(idle.map(closed));
    await Promise.all(bareClosed);
    expect(reasons.every((r) => r === "io server disconnect" || r === "transport close")).toBe(true);
    expect(idle.every((c) => !c.socket.connected)).toBe(true);
    // The authenticated socket connected first, so its deadline passed before theirs.
    expect(honest.socket.connected).toBe(true);
    expect(s.server.connections()).toEqual({ connections: 1, pendingLogins: 0, addresses: 1 });
  });

  it("refuses connections over the per-address cap, and admits again once one closes", async () => {
    const s = await startServer({ maxConnectionsPerAddress: 3 });
    const open = [await s.connect(1), await s.connect(2), await s.connect(3)];
    const before = s.socketIoConnections();
    expect(await refused(s.connect(4))).toBe(true);
    expect(s.socketIoConnections()).toBe(before);
    await s.closeAndWait(open[0]!);
    expect((await s.connect(4)).socket.connected).toBe(true);
  });

  it("refuses connections over the total cap, also when they arrive all at once", async () => {
    const s = await startServer({ maxConnections: 3 });
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => s.connect(i)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    expect(s.server.connections().connections).toBe(3);
  });

  it("refuses connections over the pending-login cap; a login frees a slot", async () => {
    const s = await startServer({ maxPendingLogins: 2 });
    const [a] = [await s.connect(1), await s.connect(2)];
    expect(await refused(s.connect(3))).toBe(true);
    expect((await a!.authenticate()).ok).toBe(true);
    expect(s.server.connections()).toMatchObject({ connections: 2, pendingLogins: 1 });
    expect((await s.connect(3)).socket.connected).toBe(true);
  });
});

describe("the per-socket rate limit", () => {
  it("refuses every kind of event over the burst with RATE_LIMITED, refills over time, and leaves other sockets alone", async () => {
    let clock = Date.now();
    const s = await startServer({ submissionsPerMinute: 60, submissionBurst: 5 }, () => clock);
    const flooder = await s.connect(1);
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await flooder.challenge()).ok ? "ok" : "refused");
    expect(codes).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    expect(await flooder.challenge()).toEqual({ ok: false, error: { code: "RATE_LIMITED", message: expect.any(String) } });
    expect(await flooder.login(`0x${"11".repeat(65)}`)).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    expect(await flooder.submit({ round: 1 })).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    expect(await flooder.fetchModel({ modelHash: RECEIPT.updateHash })).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    // Events without an ack, and unknown ones, are dropped the same way; nothing breaks.
    for (let i = 0; i < 20; i++) flooder.socket.send({ round: 1 });
    // Handled in order: once this is answered, the sends above have been.
    expect(await flooder.challenge()).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    clock += 1_000; // one token back (60 a minute)
    expect((await flooder.challenge()).ok).toBe(true);
    expect(await flooder.challenge()).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    expect(flooder.socket.connected).toBe(true);

    // Honest traffic on another socket is unaffected.
    const honest = await s.connect(2);
    expect((await honest.authenticate()).ok).toBe(true);
    expect(await honest.submit({ round: 1 })).toEqual({ ok: true, data: RECEIPT });
    expect(s.submitted).toEqual([account(2).address]);
  });
});

describe("model fetches", () => {
  it("answers one fetch at a time per socket, until its reply is written out to a peer that stops reading", async () => {
    // Larger than what loopback socket buffers absorb, so the reply stays queued while the relay is stalled.
    const model = new Uint8Array(32 << 20);
    const modelHash = keccak256(toHex("model"));
    let lookups = 0;
    let lookedUp = () => {};
    const refused: string[] = [];
    let onRefused = () => {};
    const s = await startServer({}, undefined, {
      fetchModel: async () => {
        lookups += 1;
        lookedUp();
        return { round: 1, modelHash, model };
      },
      onRefused: (code) => {
        refused.push(code);
        onRefused();
      },
    });
    const relay = await startTcpProxy(Number(new URL(s.url).port));
    servers.push({ close: () => relay.stop() });
    const client = await connectRawClient(relay.url, account(1));
    clients.push(client);
    expect((await client.authenticate()).ok).toBe(true);

    relay.stall();
    const firstLookedUp = new Promise<void>((resolve) => (lookedUp = resolve));
    const first = client.fetchModel({ modelHash });
    await firstLookedUp; // the first is answered before the second arrives
    // The second is refused (the first reply is still stuck), or looked up.
    const handled = new Promise<void>((resolve) => (onRefused = lookedUp = resolve));
    const second = client.fetchModel({ modelHash });
    await handled;
    expect(refused).toEqual(["RATE_LIMITED"]);
    expect(lookups).toBe(1);
    relay.resume();
    expect(await first).toMatchObject({ ok: true, data: { round: 1, modelHash } });
    expect(await second).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    // Written out: the next fetch is served.
    expect(await client.fetchModel({ modelHash })).toMatchObject({ ok: true, data: { modelHash } });
    expect(lookups).toBe(2);
  });

  it("waits for the final model's fetches at most the grace period", async () => {
    const s = await startServer();
    const client = await s.connect(1);
    expect((await client.authenticate()).ok).toBe(true);
    const started = performance.now();
    await s.server.allFetched(keccak256(toHex("model")), 200); // the logged-in client never fetches it
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
  });
});

describe("every event with an ack is answered, and a connection carries one socket", () => {
  it("refuses an unknown event or a wrong number of arguments with INVALID_PAYLOAD", async () => {
    const s = await startServer();
    const client = await s.connect(1);
    const raw = client.socket as unknown as { timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> } };
    const code = async (event: string, ...args: unknown[]) =>
      ((await raw.timeout(2_000).emitWithAck(event, ...args)) as { ok: boolean; error?: { code: string } }).error?.code;
    expect(await code("session:challenge", {})).toBe("INVALID_PAYLOAD");
    expect(await code("round:submit")).toBe("INVALID_PAYLOAD");
    expect(await code("round:submit", { round: 1 }, "extra")).toBe("INVALID_PAYLOAD");
    expect(await code("session:authenticate")).toBe("INVALID_PAYLOAD");
    expect(await code("no:such:event", 1)).toBe("INVALID_PAYLOAD");
    expect(await code("__proto__")).toBe("INVALID_PAYLOAD");
    // The well-formed call still works on the same socket.
    expect((await client.challenge()).ok).toBe(true);
  });

  it("closes the connection when its socket disconnects, so a second CONNECT cannot escape the login deadline", async () => {
    const s = await startServer({ loginTimeoutMs: 60_000 });
    const client = await s.connect(1);
    expect((await client.authenticate()).ok).toBe(true);
    const serverSocket = [...(s.server.io.sockets.sockets.values())][0]!;
    const connectionClosed = new Promise<void>((resolve) => serverSocket.conn.once("close", () => resolve()));
    // A namespace DISCONNECT sent on the open engine.io connection, as a raw peer would.
    const engine = (client.socket as unknown as { io: { engine: { send(data: Uint8Array): void } } }).io.engine;
    engine.send(new socketParser.Encoder().encode({ type: socketParser.PacketType.DISCONNECT, nsp: "/" })[0]!);
    await connectionClosed;
    expect(s.server.connections().connections).toBe(0);
  });
});
