import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { encodeFrame, OPCODE, type WsFrame } from "./wsFrame.ts";

/**
 * A WebSocket client written on a bare TCP socket, so that it can send what no
 * WebSocket library would: unmasked frames, reserved opcodes and bits, lengths the data
 * does not have, bytes that are not frames at all. It reads the server's frames
 * (unmasked, RFC 6455) and answers pings.
 */
export type RawWebSocket = {
  send(frame: WsFrame): void;
  writeRaw(bytes: Uint8Array): void;
  onMessage(listener: (data: string | Uint8Array) => void): void;
  /** Resolves when the TCP connection is gone, whoever closed it. */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  destroy(): void;
};

export async function openRawWebSocket(url: string, path = "/socket.io/?EIO=4&transport=websocket", timeoutMs = 10_000): Promise<RawWebSocket> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), noDelay: true });
  socket.on("error", () => {}); // resets and broken pipes are outcomes here, not failures
  let isClosed = false;
  const closed = new Promise<void>((resolve) => socket.once("close", () => ((isClosed = true), resolve())));
  const listeners: ((data: string | Uint8Array) => void)[] = [];
  // Messages that arrive with the upgrade response, before anyone listens.
  const backlog: (string | Uint8Array)[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let fragments: Buffer[] = [];
  let fragmentOpcode = 0;

  const ws: RawWebSocket = {
    send: (frame) => ws.writeRaw(encodeFrame(frame)),
    writeRaw(bytes) {
      if (!isClosed && socket.writable) socket.write(bytes);
    },
    onMessage(listener) {
      listeners.push(listener);
      for (const message of backlog.splice(0)) listener(message);
    },
    closed,
    isClosed: () => isClosed,
    destroy: () => void socket.destroy(),
  };

  const readFrames = () => {
    for (;;) {
      if (pending.length < 2) return;
      const fin = (pending[0]! & 0x80) !== 0;
      const opcode = pending[0]! & 0x0f;
      let length = pending[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (pending.length < 4) return;
        length = pending.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (pending.length < 10) return;
        length = Number(pending.readBigUInt64BE(2));
        offset = 10;
      }
      if (pending.length < offset + length) return;
      const payload = pending.subarray(offset, offset + length);
      pending = pending.subarray(offset + length);
      if (opcode === OPCODE.close) {
        socket.destroy();
        return;
      }
      if (opcode === OPCODE.ping) ws.send({ opcode: OPCODE.pong, payload });
      if (opcode !== OPCODE.text && opcode !== OPCODE.binary && opcode !== OPCODE.continuation) continue;
      if (opcode !== OPCODE.continuation) fragmentOpcode = opcode;
      fragments.push(Buffer.from(payload));
      if (!fin) continue;
      const whole = Buffer.concat(fragments);
      fragments = [];
      const message = fragmentOpcode === OPCODE.text ? whole.toString("utf8") : new Uint8Array(whole);
      if (listeners.length === 0) backlog.push(message);
      for (const listener of listeners) listener(message);
    }
  };

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error("WebSocket upgrade timed out")), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    let head: Buffer = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onHead);
      clearTimeout(timer);
      const status = head.subarray(0, head.indexOf("\r\n")).toString();
      if (!/^HTTP\/1\.1 101 /.test(status)) return fail(new Error(`upgrade refused: ${status}`));
      pending = head.subarray(end + 4);
      socket.on("data", (data: Buffer) => {
        pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
        readFrames();
      });
      resolve();
      readFrames();
    };
    socket.on("data", onHead);
    socket.once("close", () => fail(new Error("connection closed before the upgrade")));
    socket.write(
      [
        `GET ${path} HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
        "Sec-WebSocket-Version: 13",
        "",
        "",
      ].join("\r\n"),
    );
  });
  return ws;
}
