import { Packr } from "msgpackr";
import type { Packet } from "socket.io-parser";
import { describe, expect, it } from "vitest";
import { ATTACHMENT_MIN_BYTES, Decoder, Encoder, PacketType } from "./socketParser.ts";

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

function decodeAll(chunks: Uint8Array[]): Packet[] {
  const decoder = new Decoder();
  const out: Packet[] = [];
  decoder.on("decoded", (packet) => out.push(packet));
  for (const chunk of chunks) decoder.add(chunk);
  return out;
}

/** Packets compared with every binary as a plain Uint8Array (inline binaries decode as Buffer in Node). */
const plain = (value: unknown): unknown =>
  value instanceof Uint8Array ? new Uint8Array(value) : Array.isArray(value) ? value.map(plain) : typeof value === "object" && value !== null ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)])) : value;

const big = () => Uint8Array.from({ length: ATTACHMENT_MIN_BYTES + 3 }, (_, i) => i % 251);

describe("socket parser", () => {
  it("keeps small binaries inline: one frame", () => {
    const packet: Packet = { type: PacketType.EVENT, nsp: "/", id: 4, data: ["round:submit", { update: new Uint8Array([1, 2, 3]), round: 1 }] };
    const chunks = new Encoder().encode(packet);
    expect(chunks).toHaveLength(1);
    expect(plain(decodeAll(chunks))).toEqual([packet]);
  });

  it("sends a large binary as an attachment, as is, and decodes it back in place", () => {
    const model = big();
    const packet: Packet = { type: PacketType.EVENT, nsp: "/", id: 7, data: ["round:fit", { round: 3, model, note: "x" }] };
    const encoder = new Encoder();
    const first = encoder.encode(packet);
    const second = encoder.encode({ ...packet, id: 8 });
    expect(first).toHaveLength(2);
    // No copy per socket: every encoding of the packet hands out the caller's buffer.
    expect(first[1]).toBe(model);
    expect(second[1]).toBe(model);
    expect(packr.unpack(first[0] as Uint8Array)).toMatchObject({ type: PacketType.BINARY_EVENT, attachments: 1, data: ["round:fit", { model: { _placeholder: true, num: 0 } }] });
    const [decoded] = decodeAll(first);
    expect(decoded).toEqual(packet);
    expect(Buffer.from((decoded?.data as [string, { model: Uint8Array }])[1].model).equals(Buffer.from(model))).toBe(true);
  });

  it("does the same for an acknowledgement carrying a model", () => {
    const packet: Packet = { type: PacketType.ACK, nsp: "/", id: 2, data: [{ ok: true, data: { model: big() } }] };
    const chunks = new Encoder().encode(packet);
    expect(chunks).toHaveLength(2);
    expect(decodeAll(chunks)).toEqual([packet]);
  });

  it("attaches at most one binary (every message carries at most one): a second large one stays inline, and such a packet is refused", () => {
    const packet: Packet = { type: PacketType.EVENT, nsp: "/", data: ["x", big(), big()] };
    const chunks = new Encoder().encode(packet);
    expect(chunks).toHaveLength(2);
    expect(() => decodeAll(chunks)).toThrow(/too large/);
  });

  it("decodes the next packet normally after a binary one", () => {
    const encoder = new Encoder();
    const a: Packet = { type: PacketType.EVENT, nsp: "/", data: ["a", big()] };
    const b: Packet = { type: PacketType.EVENT, nsp: "/", data: ["b", 1] };
    expect(decodeAll([...encoder.encode(a), ...encoder.encode(b)])).toEqual([a, b]);
  });

  describe("refuses malformed binary packets (socket.io then closes the connection)", () => {
    const header = (fields: Record<string, unknown>) => packr.pack({ type: PacketType.BINARY_EVENT, nsp: "/", data: ["round:submit", { update: { _placeholder: true, num: 0 } }], attachments: 1, ...fields });
    const attachment = new Uint8Array(8);
    it.each([
      ["no attachment count", [header({ attachments: undefined })]],
      ["zero attachments", [header({ attachments: 0 })]],
      ["more attachments than a message carries", [header({ attachments: 2 })]],
      ["a count that is not an integer", [header({ attachments: "1" })]],
      ["a reserved event name", [header({ data: ["connect", { update: { _placeholder: true, num: 0 } }] })]],
      ["an attachment with no placeholder", [header({ data: ["round:submit", { update: 5 }] }), attachment]],
      ["a placeholder for an attachment that does not exist", [header({ data: ["round:submit", { update: { _placeholder: true, num: 1 } }] }), attachment]],
      ["a packet announcing an attachment that is itself large", [header({ padding: new Uint8Array(ATTACHMENT_MIN_BYTES) }), attachment]],
      ["one attachment claimed twice", [header({ data: ["round:submit", { a: { _placeholder: true, num: 0 }, b: { _placeholder: true, num: 0 } }] }), attachment]],
    ] as const)("%s", (_name, chunks) => {
      expect(() => decodeAll([...chunks])).toThrow(/invalid packet/);
    });

    it("a text frame", () => {
      expect(() => new Decoder().add("2[\"x\"]")).toThrow(/not binary/);
    });
  });
});
