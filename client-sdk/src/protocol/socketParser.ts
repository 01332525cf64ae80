import { Emitter } from "@socket.io/component-emitter";
import { Packr } from "msgpackr";
import { isPacketValid, type Packet, PacketType } from "socket.io-parser";

/**
 * The socket.io parser both ends install: packets framed with msgpackr, the same
 * library that frames weights. Binary payloads (Uint8Array) travel as msgpack `bin`
 * and arrive as Uint8Array (a Buffer in Node), without base64.
 *
 * A large binary (a model or an update, ATTACHMENT_MIN_BYTES or more) travels as
 * socket.io's binary attachment instead: the packet (BINARY_EVENT or BINARY_ACK, with
 * `attachments`) carries a placeholder `{ _placeholder: true, num }` where the binary
 * was, and the binary follows as its own message, as is. So the encoder never copies it
 * into a frame: one encoded model goes out to every participant's socket without a copy
 * per socket, and a received update is a buffer of its own.
 *
 * Written here because the published msgpack parser for socket.io (notepack-based)
 * decodes binary as ArrayBuffer and would add a second msgpack implementation, and
 * socket.io-parser's own attachments come with a JSON header. Decoding validates the
 * packet shape with socket.io-parser's own `isPacketValid`; an invalid frame throws, and
 * socket.io then closes that connection.
 */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

export const protocol = 5;
export { PacketType };

/** Binaries from this size travel as attachments. */
export const ATTACHMENT_MIN_BYTES = 65_536;
/** Attachments one packet may announce: every message of the protocol carries at most one binary. */
export const MAX_ATTACHMENTS = 1;
/** How deep in a packet's data binaries and placeholders are looked for (messages nest two levels). */
const MAX_DEPTH = 4;

type Placeholder = { _placeholder: true; num: number };

function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return true;
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `data` with its large binaries (up to MAX_ATTACHMENTS) replaced by placeholders, and those binaries. */
function detach(data: unknown, attachments: Uint8Array[], depth: number): unknown {
  if (data instanceof Uint8Array) {
    if (data.byteLength < ATTACHMENT_MIN_BYTES || attachments.length >= MAX_ATTACHMENTS) return data;
    const placeholder: Placeholder = { _placeholder: true, num: attachments.length };
    attachments.push(data);
    return placeholder;
  }
  if (depth >= MAX_DEPTH || !isPlainContainer(data)) return data;
  if (Array.isArray(data)) return data.map((item) => detach(item, attachments, depth + 1));
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, detach(value, attachments, depth + 1)]));
}

function isPlaceholder(value: unknown): value is Placeholder {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const { _placeholder, num } = value as Record<string, unknown>;
  return keys.length === 2 && _placeholder === true && Number.isSafeInteger(num);
}

/** `data` with each placeholder replaced by its attachment; every attachment must be used exactly once. */
function attach(data: unknown, attachments: readonly Uint8Array[], used: boolean[], depth: number): unknown {
  if (isPlaceholder(data)) {
    const binary = attachments[data.num];
    if (binary === undefined || used[data.num]) throw new Error("invalid packet: placeholder without its attachment");
    used[data.num] = true;
    return binary;
  }
  if (depth >= MAX_DEPTH || !isPlainContainer(data)) return data;
  if (Array.isArray(data)) return data.map((item) => attach(item, attachments, used, depth + 1));
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, attach(value, attachments, used, depth + 1)]));
}

export class Encoder {
  encode(packet: Packet): Uint8Array[] {
    if (packet.type !== PacketType.EVENT && packet.type !== PacketType.ACK) return [packr.pack(packet)];
    const attachments: Uint8Array[] = [];
    const data = detach(packet.data, attachments, 0);
    if (attachments.length === 0) return [packr.pack(packet)];
    const type = packet.type === PacketType.EVENT ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK;
    return [packr.pack({ ...packet, type, data, attachments: attachments.length }), ...attachments];
  }
}

type DecoderEvents = { decoded: (packet: Packet) => void };

/** A BINARY_EVENT or BINARY_ACK waiting for its attachments. */
type Pending = { packet: Packet; expected: number; attachments: Uint8Array[] };

export class Decoder extends Emitter<Record<string, never>, Record<string, never>, DecoderEvents> {
  private pending: Pending | undefined;

  add(chunk: unknown): void {
    if (!(chunk instanceof Uint8Array) && !(chunk instanceof ArrayBuffer)) throw new Error("invalid payload: not binary");
    const bytes = chunk instanceof ArrayBuffer ? new Uint8Array(chunk) : chunk;
    if (this.pending) {
      this.addAttachment(this.pending, bytes);
      return;
    }
    const packet: unknown = packr.unpack(bytes);
    if (typeof packet !== "object" || packet === null) throw new Error("invalid packet");
    const { type, attachments } = packet as Packet;
    if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
      // What it held back is in the attachment: a large packet too would double what one connection can hold.
      if (bytes.byteLength > ATTACHMENT_MIN_BYTES) throw new Error("invalid packet: a packet announcing an attachment is too large");
      if (!Number.isSafeInteger(attachments) || (attachments as number) < 1 || (attachments as number) > MAX_ATTACHMENTS) {
        throw new Error("invalid packet: bad attachment count");
      }
      const plain = { ...(packet as Packet), type: type === PacketType.BINARY_EVENT ? PacketType.EVENT : PacketType.ACK };
      delete plain.attachments;
      if (!isPacketValid(plain)) throw new Error("invalid packet");
      this.pending = { packet: plain, expected: attachments as number, attachments: [] };
      return;
    }
    if (!isPacketValid(packet as Packet)) throw new Error("invalid packet");
    this.emitReserved("decoded", packet as Packet);
  }

  private addAttachment(pending: Pending, bytes: Uint8Array): void {
    pending.attachments.push(bytes);
    if (pending.attachments.length < pending.expected) return;
    this.pending = undefined;
    const used: boolean[] = [];
    const data = attach(pending.packet.data, pending.attachments, used, 0);
    if (used.filter(Boolean).length !== pending.expected) throw new Error("invalid packet: an attachment has no placeholder");
    this.emitReserved("decoded", { ...pending.packet, data });
  }

  destroy(): void {
    this.pending = undefined;
  }
}

/** Pass as `parser` to both `new Server(...)` and `io(...)`. */
export const socketParser = { protocol, PacketType, Encoder, Decoder };
