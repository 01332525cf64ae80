/** One WebSocket frame as a client writes it, with every header field under the caller's control (RFC 6455 §5.2). */
export type WsFrame = {
  opcode: number;
  payload: Uint8Array;
  /** Default true. */
  fin?: boolean;
  /** RSV1..RSV3 as a 3-bit number. Default 0. */
  rsv?: number;
  /** Clients must mask; default true. */
  masked?: boolean;
  /** The length written in the header; defaults to the payload's. */
  declaredLength?: bigint;
  maskKey?: readonly [number, number, number, number];
};

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export function encodeFrame(frame: WsFrame): Uint8Array {
  const masked = frame.masked ?? true;
  const length = frame.declaredLength ?? BigInt(frame.payload.length);
  const head: number[] = [((frame.fin ?? true) ? 0x80 : 0) | (((frame.rsv ?? 0) & 7) << 4) | (frame.opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 0x10000n) head.push(maskBit | 126, Number(length >> 8n), Number(length & 0xffn));
  else {
    head.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) head.push(Number((length >> shift) & 0xffn));
  }
  const key = frame.maskKey ?? [0x37, 0xfa, 0x21, 0x3d];
  if (masked) head.push(...key);
  const out = new Uint8Array(head.length + frame.payload.length);
  out.set(head, 0);
  for (let i = 0; i < frame.payload.length; i++) out[head.length + i] = frame.payload[i]! ^ (masked ? key[i & 3]! : 0);
  return out;
}

export const textFrame = (text: string): WsFrame => ({ opcode: OPCODE.text, payload: new TextEncoder().encode(text) });
export const binaryFrame = (payload: Uint8Array): WsFrame => ({ opcode: OPCODE.binary, payload });
