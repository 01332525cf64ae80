import { EVENTS, socketParser } from "@fedledger/client-sdk";
import { ANSWER_GRACE_MS, type AnswerBook, createAnswerBook, delay, PROBE_TIMEOUT_MS } from "./answerBook.ts";
import { type BuildContext, connectPacket, event, type FuzzCase, mp } from "./fuzzCase.ts";
import type { FuzzRecorder } from "./fuzzReport.ts";
import { openRawWebSocket, type RawWebSocket } from "./rawWebSocket.ts";
import { binaryFrame, textFrame } from "./wsFrame.ts";

type Packet = { type: number; nsp: string; data?: unknown; id?: number };

/** One raw WebSocket speaking engine.io v4 and socket.io's msgpack framing by hand. */
type Connection = {
  ws: RawWebSocket;
  book: AnswerBook;
  stage: "open" | "connected";
  /** Called with each CONNECT or CONNECT_ERROR for the main namespace. */
  onConnectReply: ((packet: Packet) => void) | undefined;
};

export type LaneParameters = {
  url: string;
  cases: readonly FuzzCase[];
  templates: () => Omit<BuildContext, "ackId">;
  nextId: () => number;
  recorder: FuzzRecorder;
  shouldStop: () => boolean;
};

async function open(url: string, recorder: FuzzRecorder): Promise<Connection> {
  const ws = await openRawWebSocket(url);
  const decoder = new socketParser.Decoder();
  const connection: Connection = { ws, book: createAnswerBook(recorder), stage: "open", onConnectReply: undefined };
  let opened: () => void = () => {};
  const handshake = new Promise<void>((resolve) => (opened = resolve));
  decoder.on("decoded", (packet: Packet) => {
    if (packet.type === 3) connection.book.deliver(packet.id, Array.isArray(packet.data) ? packet.data[0] : packet.data);
    else if ((packet.type === 0 || packet.type === 4) && packet.nsp === "/") {
      if (packet.type === 0) connection.stage = "connected";
      connection.onConnectReply?.(packet);
    }
  });
  ws.onMessage((message) => {
    if (typeof message === "string") {
      if (message === "2") ws.send(textFrame("3")); // engine.io heartbeat
      else if (message.startsWith("0")) opened();
      return;
    }
    try {
      decoder.add(message);
    } catch {
      recorder.malformedFromServer();
    }
  });
  if ((await Promise.race([handshake.then(() => "open" as const), ws.closed.then(() => "closed" as const), delay(PROBE_TIMEOUT_MS)])) !== "open") {
    ws.destroy();
    throw new Error("no engine.io handshake");
  }
  return connection;
}

/** Opens a connection, retrying while the coordinator refuses it (a limit) unless the run is stopping. */
async function openWithRetry(p: LaneParameters): Promise<Connection | undefined> {
  for (let attempt = 1; !p.shouldStop(); attempt++) {
    try {
      return await open(p.url, p.recorder);
    } catch (error) {
      p.recorder.refusedConnection();
      if (attempt >= 30) throw error;
      await delay(50 * attempt);
    }
  }
  return undefined;
}

/**
 * Sends a valid CONNECT and waits until the socket is connected. A CONNECT_ERROR on the
 * way is the late answer to a case's own CONNECT, sent just before, and is passed over.
 */
function connect(connection: Connection, auth: unknown): Promise<"connected" | "closed" | "timeout"> {
  const connected = new Promise<"connected">((resolve) => (connection.onConnectReply = (packet) => packet.type === 0 && resolve("connected")));
  connection.ws.send(binaryFrame(connectPacket(mp(auth))));
  return Promise.race([connected, connection.ws.closed.then(() => "closed" as const), delay(PROBE_TIMEOUT_MS)]).finally(() => (connection.onConnectReply = undefined));
}

/**
 * Sends each case on a raw WebSocket, in order, reconnecting whenever the coordinator
 * closes the connection (its usual answer to a malformed frame). After each case a probe
 * (a challenge request, or a valid CONNECT before the handshake) shows the connection is
 * still served; a probe with no answer on an open connection is a hang.
 */
export async function runWsLane(p: LaneParameters): Promise<void> {
  let connection: Connection | undefined;
  const drop = (c: Connection | undefined) => {
    c?.book.close();
    c?.ws.destroy();
  };
  for (const c of p.cases) {
    if (p.shouldStop()) break;
    if (connection?.ws.isClosed()) {
      p.recorder.closed();
      drop(connection);
      connection = undefined;
    }
    if (connection && c.stage === "open" && connection.stage === "connected") {
      drop(connection);
      connection = undefined;
    }
    connection ??= await openWithRetry(p);
    if (!connection) break;
    if (c.stage === "connected" && connection.stage === "open") await connect(connection, p.templates().auth);

    const ackId = p.nextId();
    const out = c.build({ ...p.templates(), ackId });
    const answered = connection.book.expect(ackId, c);
    // A CONNECT is answered with CONNECT or CONNECT_ERROR, not an ack: wait for that first.
    const connectReply = c.stage === "open" && c.expectsAnswer ? new Promise<Packet>((resolve) => (connection!.onConnectReply = resolve)) : undefined;
    if (out.kind === "messages") for (const m of out.messages) connection.ws.send(typeof m === "string" ? textFrame("4" + m) : binaryFrame(m));
    else if (out.kind === "frames") for (const f of out.frames) connection.ws.send(f);
    else if (out.kind === "stream") connection.ws.writeRaw(out.bytes);
    p.recorder.sent(c);

    if (c.terminal) {
      await Promise.race([connection.ws.closed, delay(200)]);
      drop(connection);
      connection = undefined;
      continue;
    }
    if (connectReply) {
      const reply = await Promise.race([connectReply, connection.ws.closed.then(() => "closed" as const), delay(PROBE_TIMEOUT_MS)]);
      connection.onConnectReply = undefined;
      if (reply === "closed") p.recorder.unanswered(c);
      else if (reply === "timeout") p.recorder.hang(c, "no answer to a CONNECT");
      else p.recorder.answer(c, reply.type === 0 ? { ok: true } : { ok: false, error: (reply.data as { data?: unknown } | undefined)?.data });
      connection.book.forget(ackId);
    }
    const probe = await probeConnection(connection, p);
    if (probe === "timeout") {
      p.recorder.hang(c, "no answer to a probe");
      drop(connection);
      connection = undefined;
    } else if (probe === "answered" && c.expectsAnswer && connection.book.isPending(ackId)) await Promise.race([answered, delay(ANSWER_GRACE_MS)]);
  }
  if (connection) {
    await delay(ANSWER_GRACE_MS * 4);
    drop(connection);
  }
}

async function probeConnection(connection: Connection, p: LaneParameters): Promise<"answered" | "closed" | "timeout"> {
  if (connection.ws.isClosed()) return "closed";
  if (connection.stage === "open") {
    const reply = await connect(connection, p.templates().auth);
    return reply === "connected" ? "answered" : reply;
  }
  const id = p.nextId();
  const answered = connection.book.probe(id);
  connection.ws.send(binaryFrame(event([EVENTS.challenge], id)));
  return Promise.race([answered.then(() => "answered" as const), connection.ws.closed.then(() => "closed" as const), delay(PROBE_TIMEOUT_MS)]);
}
