import type { ParticipantSocket } from "./connectedClientRegistry.ts";

/**
 * Resolves once what was just sent on `socket` has been written out: engine.io's transport
 * is writable again only after its last send completed (a peer that stops reading keeps it
 * busy), and then emits "ready", on which engine.io first flushes what queued meanwhile (a
 * binary attachment sent after its packet, say): the transport staying writable after that
 * means nothing is left. Also resolves when the connection closes or upgrades.
 */
export function whenWrittenOut(socket: ParticipantSocket): Promise<void> {
  const conn = socket.conn;
  const transport = conn.transport;
  if (transport.writable || conn.readyState === "closed") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      transport.off("ready", ready).off("close", done);
      conn.off("close", done).off("upgrade", done);
      resolve();
    };
    // Registered after engine.io's own "ready" listener, so it runs after that flush.
    const ready = () => {
      if (transport.writable) done();
    };
    transport.on("ready", ready).once("close", done);
    conn.once("close", done).once("upgrade", done);
  });
}
