import { Emitter } from "@socket.io/component-emitter";
import { Packr } from "msgpackr";
import { isPacketValid, type Packet, PacketType } from "socket.io-parser";

/**
 * The socket.io parser both ends install: packets framed with msgpackr, the same
 * library that frames weights. Binary payloads (Uint8Array) travel as msgpack `bin`
 * and arrive as Uint8Array (a Buffer in Node), without the base64 or attachment
 * packets of the default parser.
 *
 * Written here because the published msgpack parser for socket.io (notepack-based)
 * decodes binary as ArrayBuffer and would add a second msgpack implementation.
 * Decoding validates the packet shape with socket.io-parser's own `isPacketValid`;
 * an invalid frame throws, and socket.io then closes that connection.
 */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

export const protocol = 5;
export { PacketType };

export class Encoder {
  encode(packet: Packet): Uint8Array[] {
    return [packr.pack(packet)];
  }
}

type DecoderEvents = { decoded: (packet: Packet) => void };

export class Decoder extends Emitter<Record<string, never>, Record<string, never>, DecoderEvents> {
  add(chunk: unknown): void {
    if (!(chunk instanceof Uint8Array) && !(chunk instanceof ArrayBuffer)) throw new Error("invalid payload: not binary");
    const packet: unknown = packr.unpack(chunk instanceof ArrayBuffer ? new Uint8Array(chunk) : chunk);
    if (typeof packet !== "object" || packet === null || !isPacketValid(packet as Packet)) throw new Error("invalid packet");
    if ((packet as Packet).type === PacketType.BINARY_EVENT || (packet as Packet).type === PacketType.BINARY_ACK) {
      throw new Error("invalid packet: binary attachments are not used");
    }
    this.emitReserved("decoded", packet as Packet);
  }

  destroy(): void {}
}

/** Pass as `parser` to both `new Server(...)` and `io(...)`. */
export const socketParser = { protocol, PacketType, Encoder, Decoder };
