import type { FuzzRng } from "./fuzzRng.ts";
import { encode, entries, type MpValue } from "./msgpackWriter.ts";
import type { WsFrame } from "./wsFrame.ts";

export const FUZZ_CLASSES = [
  "wrong-type",
  "prototype-keys",
  "msgpack-bomb",
  "deep-nesting",
  "truncated",
  "socketio-packet",
  "engineio-packet",
  "ws-frame",
  "length-header",
  "oversized",
  "random-bytes",
  "http",
] as const;
export type FuzzClass = (typeof FUZZ_CLASSES)[number];

/** The valid messages a case corrupts, known only when it is sent (they depend on the open round). */
export type BuildContext = {
  /** A valid socket.io handshake `auth` (an unregistered outsider's). */
  auth: Readonly<Record<string, unknown>>;
  /** A valid, signed `round:submit` payload for the open round; never sent unchanged. */
  submit: Readonly<Record<string, unknown>>;
  /** A valid-shaped `session:authenticate` payload whose challenge is spent. */
  authenticate: Readonly<Record<string, unknown>>;
  /** The ack id to put on a packet that must be answered. */
  ackId: number;
};

/**
 * What is sent: engine.io messages (binary, or text that the WebSocket carries as a
 * `4`-prefixed message), raw WebSocket frames (text frames carry engine.io packets
 * verbatim), raw bytes on a fresh TCP connection, or a body POSTed to a polling session.
 */
export type Outgoing =
  | { kind: "messages"; messages: (Uint8Array | string)[] }
  | { kind: "frames"; frames: WsFrame[] }
  /** Bytes written on the WebSocket's TCP stream where frames belong. */
  | { kind: "stream"; bytes: Uint8Array }
  | { kind: "tcp"; bytes: Uint8Array }
  | { kind: "polling"; body: Uint8Array | string };

export type FuzzCase = {
  id: number;
  klass: FuzzClass;
  /** What a report names it by: event, field, shape. */
  label: string;
  /**
   * ws: a raw WebSocket, unauthenticated; session: an honestly logged-in socket.io
   * client; tcp: a fresh TCP connection; polling: an engine.io polling session.
   */
  channel: "ws" | "session" | "tcp" | "polling";
  /** ws only: sent before, or after, the socket.io CONNECT. */
  stage: "open" | "connected";
  build: (ctx: BuildContext) => Outgoing;
  /** A well-formed call that should be answered: an ack for `ctx.ackId`, or CONNECT_ERROR. */
  expectsAnswer: boolean;
  /** An answer `ok: true` (or a successful CONNECT) would mean bad input was accepted. */
  mustRefuse: boolean;
  /** Leaves the connection unusable (mid-frame, or without a namespace): the sender closes it afterwards. */
  terminal: boolean;
};

export type CaseDraft = Omit<FuzzCase, "id" | "klass">;
export type CaseProducer = (r: FuzzRng) => CaseDraft;

export const draft = (d: Partial<CaseDraft> & Pick<CaseDraft, "label" | "build">): CaseDraft => ({
  channel: "ws",
  stage: "connected",
  expectsAnswer: false,
  mustRefuse: false,
  terminal: false,
  ...d,
});

/** A socket.io packet (type, namespace, data, ack id) as the msgpack parser frames it; absent fields are left out. */
export function packet(p: { type: MpValue; nsp?: MpValue; data?: MpValue; id?: MpValue }): Uint8Array {
  const list: [MpValue, MpValue][] = [["type", p.type]];
  if (p.nsp !== undefined) list.push(["nsp", p.nsp]);
  if (p.data !== undefined) list.push(["data", p.data]);
  if (p.id !== undefined) list.push(["id", p.id]);
  return encode(entries(list));
}

export const event = (args: readonly MpValue[], id?: number) => packet({ type: 2, nsp: "/", data: args, ...(id !== undefined ? { id } : {}) });
export const connectPacket = (auth: MpValue) => packet({ type: 0, nsp: "/", data: auth });

/** A template from the context as a msgpack value (its fields are strings, numbers and bytes). */
export const mp = (value: unknown): MpValue => value as MpValue;

export const messages = (...list: (Uint8Array | string)[]): Outgoing => ({ kind: "messages", messages: list });
