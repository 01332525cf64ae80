import type { ParticipantSocket } from "./connectedClientRegistry.ts";

/**
 * Resolves once what was just sent on `socket` has been written out: engine.io's transport
 * is writable again only after its last send completed (a peer that stops reading keeps it
 * busy), and then emits "drain". Also resolves when the connection closes or upgrades.
 */
export function whenWrittenOut(socket: ParticipantSocket): Promise<void> {
  const conn = socket.conn;
  const transport = conn.transport;
  if (transport.writable || conn.readyState === "closed") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      transport.off("drain", done).off("close", done);
      conn.off("close", done).off("upgrade", done);
      resolve();
    };
    transport.once("drain", done).once("close", done);
    conn.once("close", done).once("upgrade", done);
  });
}
