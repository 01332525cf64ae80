/**
 * A small MessagePack writer for hostile input. Unlike a normal encoder it can declare
 * lengths the data does not have, splice raw bytes, write maps with repeated or
 * prototype keys in a chosen order, and write any extension type.
 */
export type MpValue = null | undefined | boolean | number | bigint | string | Uint8Array | readonly MpValue[] | MpNode | { readonly [key: string]: MpValue };

type MpNode =
  | { readonly mp: "raw"; readonly bytes: Uint8Array }
  | { readonly mp: "entries"; readonly entries: readonly (readonly [MpValue, MpValue])[] }
  | { readonly mp: "ext"; readonly type: number; readonly data: Uint8Array }
  | { readonly mp: "float32"; readonly value: number };

const NODE = Symbol("mp");
const node = (n: MpNode): MpNode => Object.assign(n, { [NODE]: true });
const isNode = (v: unknown): v is MpNode => typeof v === "object" && v !== null && NODE in v;

/** Bytes written verbatim. */
export const raw = (bytes: Uint8Array): MpValue => node({ mp: "raw", bytes });
/** A map with exactly these entries, in this order (repeats and any key type allowed). */
export const entries = (list: readonly (readonly [MpValue, MpValue])[]): MpValue => node({ mp: "entries", entries: list });
export const ext = (type: number, data: Uint8Array): MpValue => node({ mp: "ext", type, data });
export const float32 = (value: number): MpValue => node({ mp: "float32", value });

/** A header alone: `kind` of `length` elements or bytes, whatever follows. */
export function header(kind: "array" | "map" | "str" | "bin" | "ext", length: number, extType = 1): Uint8Array {
  const big = (tag: number) => be(tag, 4, length);
  switch (kind) {
    case "array":
      return length < 16 ? Uint8Array.of(0x90 | length) : length < 0x10000 ? be(0xdc, 2, length) : big(0xdd);
    case "map":
      return length < 16 ? Uint8Array.of(0x80 | length) : length < 0x10000 ? be(0xde, 2, length) : big(0xdf);
    case "str":
      return length < 32 ? Uint8Array.of(0xa0 | length) : length < 0x100 ? be(0xd9, 1, length) : length < 0x10000 ? be(0xda, 2, length) : big(0xdb);
    case "bin":
      return length < 0x100 ? be(0xc4, 1, length) : length < 0x10000 ? be(0xc5, 2, length) : big(0xc6);
    case "ext": {
      const h = length < 0x100 ? be(0xc7, 1, length) : length < 0x10000 ? be(0xc8, 2, length) : big(0xc9);
      return concat([h, Uint8Array.of(extType & 0xff)]);
    }
  }
}

const utf8 = new TextEncoder();

/** A growable byte buffer. */
class Output {
  bytes = new Uint8Array(256);
  view = new DataView(this.bytes.buffer);
  length = 0;
  reserve(n: number): number {
    if (this.length + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  // reserve() may replace `bytes`: call it before reading the field.
  byte(b: number): void {
    const at = this.reserve(1);
    this.bytes[at] = b;
  }
  put(bytes: Uint8Array): void {
    const at = this.reserve(bytes.length);
    this.bytes.set(bytes, at);
  }
}

export function encode(value: MpValue): Uint8Array {
  const out = new Output();
  write(value, out);
  return out.bytes.slice(0, out.length);
}

function write(v: MpValue, out: Output): void {
  if (v === null || v === undefined) out.byte(0xc0);
  else if (typeof v === "boolean") out.byte(v ? 0xc3 : 0xc2);
  else if (typeof v === "number") number(v, out);
  else if (typeof v === "bigint") bigint(v, out);
  else if (typeof v === "string") {
    if (v.length < 32 && [...v].every((c) => c.charCodeAt(0) < 0x80)) {
      // Short ASCII (map keys, mostly): written directly, TextEncoder is slow per call.
      out.byte(0xa0 | v.length);
      for (let i = 0; i < v.length; i++) out.byte(v.charCodeAt(i));
    } else {
      const bytes = utf8.encode(v);
      out.put(header("str", bytes.length));
      out.put(bytes);
    }
  } else if (v instanceof Uint8Array) {
    out.put(header("bin", v.length));
    out.put(v);
  } else if (Array.isArray(v)) {
    out.put(header("array", v.length));
    for (const item of v as readonly MpValue[]) write(item, out);
  } else if (isNode(v)) {
    if (v.mp === "raw") out.put(v.bytes);
    else if (v.mp === "float32") {
      const at = out.reserve(5);
      out.bytes[at] = 0xca;
      out.view.setFloat32(at + 1, v.value);
    } else if (v.mp === "ext") {
      const fixed = [1, 2, 4, 8, 16].indexOf(v.data.length);
      out.put(fixed >= 0 ? Uint8Array.of(0xd4 + fixed, v.type & 0xff) : header("ext", v.data.length, v.type));
      out.put(v.data);
    } else {
      out.put(header("map", v.entries.length));
      for (const [key, value] of v.entries) {
        write(key, out);
        write(value, out);
      }
    }
  } else {
    const keys = Object.getOwnPropertyNames(v); // own keys only, "__proto__" included when own
    out.put(header("map", keys.length));
    for (const key of keys) {
      write(key, out);
      write((v as Record<string, MpValue>)[key], out);
    }
  }
}

/** Integers in 32-bit range in their smallest form; any other number as float64 (msgpackr reads 64-bit integers as BigInt). */
function number(n: number, out: Output): void {
  if (Number.isInteger(n) && !Object.is(n, -0) && n >= -(2 ** 31) && n < 2 ** 32) {
    if (n >= 0 && n < 128) return out.byte(n);
    if (n < 0 && n >= -32) return out.byte(n & 0xff);
    const at = out.reserve(5);
    out.bytes[at] = n >= 0 ? 0xce : 0xd2;
    if (n >= 0) out.view.setUint32(at + 1, n);
    else out.view.setInt32(at + 1, n);
    return;
  }
  const at = out.reserve(9);
  out.bytes[at] = 0xcb;
  out.view.setFloat64(at + 1, n);
}

function bigint(n: bigint, out: Output): void {
  const at = out.reserve(9);
  out.bytes[at] = n >= 0n ? 0xcf : 0xd3;
  if (n >= 0n) out.view.setBigUint64(at + 1, BigInt.asUintN(64, n));
  else out.view.setBigInt64(at + 1, BigInt.asIntN(64, n));
}

function be(tag: number, width: 1 | 2 | 4, length: number): Uint8Array {
  const b = new Uint8Array(1 + width);
  b[0] = tag;
  const view = new DataView(b.buffer);
  if (width === 1) view.setUint8(1, length);
  else if (width === 2) view.setUint16(1, length);
  else view.setUint32(1, length);
  return b;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
