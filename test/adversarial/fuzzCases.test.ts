import { createHash } from "node:crypto";
import { type Hex, parseSignature } from "viem";
import { describe, expect, it } from "vitest";
import { EVENTS, messages as schemas, PROTOCOL_VERSION, socketParser } from "@fedledger/client-sdk";
import { type BuildContext, FUZZ_CLASSES, type FuzzCase, type Outgoing } from "./fuzzCase.ts";
import { generateFuzzCases } from "./fuzzCases.ts";

// A valid-shaped context: what the driver takes from a real login and a real signed update.
const hex = (bytes: number, fill: string) => `0x${fill.repeat(bytes * 2)}`;
const ctx: BuildContext = {
  auth: { protocolVersion: PROTOCOL_VERSION, address: hex(20, "a"), clientId: hex(32, "c") },
  submit: { round: 3, baseModelHash: hex(32, "b"), numSamples: 50, updateHash: hex(32, "d"), update: new Uint8Array(76).fill(1), signature: `${hex(64, "e")}1b` },
  authenticate: { signature: `${hex(64, "f")}1c` },
  ackId: 1_000_123,
};

const bytesOf = (out: Outgoing): Uint8Array[] =>
  out.kind === "messages"
    ? out.messages.map((m) => (typeof m === "string" ? new TextEncoder().encode(m) : m))
    : out.kind === "frames"
      ? out.frames.map((f) => f.payload)
      : [out.kind === "polling" ? new TextEncoder().encode(String(out.body)) : out.bytes];
const digest = (cases: FuzzCase[]) => {
  const hash = createHash("sha256");
  for (const c of cases) for (const b of bytesOf(c.build(ctx))) hash.update(b);
  return hash.digest("hex");
};

type Packet = { type: number; nsp: string; data?: unknown; id?: number };
function decode(bytes: Uint8Array): Packet | undefined {
  const decoder = new socketParser.Decoder();
  let packet: Packet | undefined;
  decoder.on("decoded", (p: Packet) => (packet = p));
  try {
    decoder.add(bytes);
  } catch {
    return undefined; // the coordinator closes the connection: nothing is accepted
  }
  return packet;
}

/** A field's value up to encodings the protocol treats as equal: hex case, and a signature's v as 27/28 or 0/1. */
const lower = (v: unknown) => {
  if (typeof v === "string" && /^0x[0-9a-fA-F]{130}$/.test(v)) {
    try {
      const { r, s, yParity } = parseSignature(v as Hex);
      return `${r}${s}${yParity}`.toLowerCase();
    } catch {
      return v.toLowerCase(); // r or s out of range: no signature at all
    }
  }
  return typeof v === "string" ? v.toLowerCase() : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v;
};
const SIGNED = ["round", "baseModelHash", "numSamples", "updateHash", "update", "signature"] as const;

describe("the seeded generator of malformed frames and payloads", () => {
  it("makes at least 10,000 cases covering every class and channel", () => {
    const cases = generateFuzzCases({ seed: 1, count: 10_000 });
    expect(cases).toHaveLength(10_000);
    expect(new Set(cases.map((c) => c.klass))).toEqual(new Set(FUZZ_CLASSES));
    expect(new Set(cases.map((c) => c.channel))).toEqual(new Set(["ws", "session", "tcp", "polling"]));
    // Every field of every client payload is corrupted somewhere.
    const labels = cases.map((c) => c.label).join("\n");
    for (const field of Object.keys(schemas.submitUpdateSchema.shape)) expect(labels).toContain(`${EVENTS.submit} field ${field}`);
    for (const field of Object.keys(schemas.authenticateSchema.shape)) expect(labels).toContain(`${EVENTS.authenticate} field ${field}`);
    for (const field of Object.keys(schemas.handshakeSchema.shape)) expect(labels).toContain(`handshake field ${field}`);
    expect(labels).toContain(`${EVENTS.challenge} with an argument`);
  });

  it("is deterministic: the same seed gives the same bytes, another seed others", () => {
    const a = generateFuzzCases({ seed: 42, count: 400 });
    expect(digest(a)).toBe(digest(generateFuzzCases({ seed: 42, count: 400 })));
    expect(digest(a)).not.toBe(digest(generateFuzzCases({ seed: 43, count: 400 })));
  });

  it("never builds a valid message where a refusal is required, and puts the ack id where an answer is due", () => {
    for (const c of generateFuzzCases({ seed: 7, count: 2_000 })) {
      if (c.channel !== "ws" && c.channel !== "session") continue;
      const out = c.build(ctx);
      if (out.kind !== "messages") continue;
      const packets = out.messages.map((m) => (typeof m === "string" ? undefined : decode(m)));
      if (c.expectsAnswer) {
        expect(packets[0], `${c.id} ${c.label}`).toBeDefined();
        if (packets[0]!.type === 2) expect(packets[0]!.id, `${c.id} ${c.label}`).toBe(ctx.ackId);
      }
      if (!c.mustRefuse) continue;
      for (const packet of packets) {
        if (!packet) continue;
        const [name, payload] = Array.isArray(packet.data) ? packet.data : [];
        const where = `${c.id} ${c.label}`;
        if (packet.type === 0) {
          const parsed = schemas.handshakeSchema.safeParse(packet.data ?? {});
          expect(!parsed.success || parsed.data.protocolVersion !== PROTOCOL_VERSION, where).toBe(true);
        } else if (packet.type === 2 && name === EVENTS.submit && packet.data !== undefined && (packet.data as unknown[]).length === 2) {
          const parsed = schemas.submitUpdateSchema.safeParse(payload);
          if (parsed.success) expect(SIGNED.some((k) => lower(parsed.data[k]) !== lower(ctx.submit[k])), where).toBe(true);
        } else if (packet.type === 2 && name === EVENTS.authenticate && (packet.data as unknown[]).length === 2) {
          const parsed = schemas.authenticateSchema.safeParse(payload);
          if (parsed.success) expect(lower(parsed.data.signature) !== lower(ctx.authenticate.signature), where).toBe(true);
        }
      }
    }
  });
});
