import { EVENTS, messages as schemas } from "@fedledger/client-sdk";
import { type BuildContext, type CaseDraft, type CaseProducer, connectPacket, draft, event, messages, mp, packet } from "./fuzzCase.ts";
import type { FuzzRng } from "./fuzzRng.ts";
import { corruptField, notAnObject } from "./hostileValues.ts";
import { concat, encode, entries, header, type MpValue, raw } from "./msgpackWriter.ts";

/**
 * Socket.io packets with hostile content, for every client event and every field of its
 * payload. Field names come from the protocol's own schemas, so a field added there is
 * fuzzed without a change here.
 */
type ObjectSchema = { shape: Record<string, { safeParse(value: unknown): { success: boolean } }> };
const fieldsOf = (schema: ObjectSchema) => Object.entries(schema.shape).map(([name, field]) => ({ name, optional: field.safeParse(undefined).success }));
const SUBMIT_FIELDS = fieldsOf(schemas.submitUpdateSchema);
const AUTH_FIELDS = fieldsOf(schemas.authenticateSchema);
const HANDSHAKE_FIELDS = fieldsOf(schemas.handshakeSchema);

const PROTO_NAMES = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "__defineGetter__", "isPrototypeOf"];

type Target = { event: string; fields: typeof SUBMIT_FIELDS; template: (ctx: BuildContext) => Readonly<Record<string, unknown>> };
const SUBMIT: Target = { event: EVENTS.submit, fields: SUBMIT_FIELDS, template: (ctx) => ctx.submit };
const AUTHENTICATE: Target = { event: EVENTS.authenticate, fields: AUTH_FIELDS, template: (ctx) => ctx.authenticate };

const without = (o: Readonly<Record<string, unknown>>, field: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== field));
const channelFor = (r: FuzzRng, target: Target) => (target === SUBMIT ? (r.chance(0.85) ? "session" : "ws") : r.chance(0.5) ? "session" : "ws");

/** One event whose payload is `payload(ctx)`, answered under ctx.ackId; accepting it would be a failure. */
function call(r: FuzzRng, target: Target, label: string, payload: (ctx: BuildContext) => MpValue, extra: Partial<CaseDraft> = {}): CaseDraft {
  return draft({
    label: `${target.event} ${label}`,
    channel: channelFor(r, target),
    build: (ctx) => messages(event([target.event, payload(ctx)], ctx.ackId)),
    expectsAnswer: true,
    mustRefuse: true,
    ...extra,
  });
}

export const wrongType: CaseProducer = (r) => {
  const what = r.pick(["submit", "submit", "submit", "submit", "authenticate", "handshake", "challenge"] as const);
  if (what === "handshake") {
    const field = r.pick(HANDSHAKE_FIELDS);
    const corrupt = corruptField(r, field.name);
    const variant = r.pick(["field", "field", "missing", "absent", "not-object"] as const);
    const auth = (ctx: { auth: Readonly<Record<string, unknown>> }): MpValue | undefined =>
      variant === "field" ? { ...(mp(ctx.auth) as object), [field.name]: corrupt(ctx.auth[field.name]) } : variant === "missing" ? mp(without(ctx.auth, field.name)) : undefined;
    const notObject = notAnObject(r);
    return draft({
      label: `handshake ${variant === "field" || variant === "missing" ? `${variant} ${field.name}` : variant}`,
      stage: "open",
      build: (ctx) => messages(variant === "not-object" ? connectPacket(notObject()) : variant === "absent" ? packet({ type: 0, nsp: "/" }) : connectPacket(auth(ctx)!)),
      // A CONNECT whose auth is not an object is an invalid packet: the connection is closed.
      expectsAnswer: variant !== "not-object",
      mustRefuse: true,
    });
  }
  if (what === "challenge") {
    const junk = notAnObject(r);
    const acked = r.chance(0.7);
    return draft({
      label: `${EVENTS.challenge} with an argument${acked ? "" : ", no ack"}`,
      channel: r.chance(0.5) ? "session" : "ws",
      build: (ctx) => messages(event([EVENTS.challenge, junk()], acked ? ctx.ackId : undefined)),
      expectsAnswer: acked,
    });
  }
  const target = what === "submit" ? SUBMIT : AUTHENTICATE;
  const variant = r.pick(["field", "field", "field", "field", "field", "missing", "not-object", "no-payload", "extra-args"] as const);
  switch (variant) {
    case "field": {
      const field = r.pick(target.fields);
      const corrupt = corruptField(r, field.name);
      return call(r, target, `field ${field.name}`, (ctx) => ({ ...(mp(target.template(ctx)) as object), [field.name]: corrupt(target.template(ctx)[field.name]) }));
    }
    case "missing": {
      const required = target.fields.filter((f) => !f.optional);
      const field = r.pick(required.length > 0 ? required : target.fields);
      return call(r, target, `missing ${field.name}`, (ctx) => mp(without(target.template(ctx), field.name)));
    }
    case "not-object": {
      const value = notAnObject(r);
      return call(r, target, "payload not an object", () => value());
    }
    case "no-payload":
      return draft({ label: `${target.event} without a payload`, channel: channelFor(r, target), build: (ctx) => messages(event([target.event], ctx.ackId)), expectsAnswer: true, mustRefuse: true });
    case "extra-args": {
      const count = r.int(1, 50);
      return draft({
        label: `${target.event} with extra arguments`,
        channel: channelFor(r, target),
        build: (ctx) => messages(event([target.event, { ...(mp(target.template(ctx)) as object), [target.fields[0]!.name]: null }, ...Array.from({ length: count }, (_, i) => i)], ctx.ackId)),
        expectsAnswer: true,
        mustRefuse: true,
      });
    }
  }
};

export const prototypeKeys: CaseProducer = (r) => {
  const target = r.chance(0.75) ? SUBMIT : AUTHENTICATE;
  const field = r.pick(target.fields.filter((f) => !f.optional));
  const name = r.pick(PROTO_NAMES);
  const corrupt = corruptField(r, field.name);
  const variant = r.pick(["all-under-proto", "field-under-proto", "constructor", "duplicate", "metrics", "error-ext", "handshake", "event-name", "packet-proto", "packet-extra", "namespace"] as const);
  const polluter = { prototype: { fuzzPolluted: 1 }, fuzzPolluted: 1 };
  switch (variant) {
    case "all-under-proto":
      return call(r, target, "fields only under __proto__", (ctx) => entries([["__proto__", mp(target.template(ctx))]]));
    case "field-under-proto":
      return call(r, target, `${field.name} only under __proto__`, (ctx) =>
        entries([...Object.entries(without(target.template(ctx), field.name)).map(([k, v]) => [k, mp(v)] as const), ["__proto__", { [field.name]: mp(target.template(ctx)[field.name]) }]]),
      );
    case "constructor":
      return call(r, target, `${name} key, ${field.name} wrong`, (ctx) =>
        entries([...Object.entries({ ...target.template(ctx), [field.name]: corrupt(target.template(ctx)[field.name]) }).map(([k, v]) => [k, mp(v)] as const), [name, polluter], ["__proto__", polluter]]),
      );
    case "duplicate":
      return call(r, target, `${field.name} twice, the last one wrong`, (ctx) =>
        entries([...Object.entries(target.template(ctx)).map(([k, v]) => [k, mp(v)] as const), [field.name, corrupt(target.template(ctx)[field.name])]]),
      );
    case "metrics":
      return call(r, SUBMIT, "metrics with prototype keys", (ctx) => ({ ...(mp(ctx.submit) as object), metrics: entries([["__proto__", polluter], [name, "x"]]) }));
    case "error-ext": {
      // msgpackr's Error extension looks its class up by name on a plain object.
      const errorExt = raw(concat([Uint8Array.of(0xd4, 0x65, 0x00), encode([name, "fuzz", polluter])]));
      // Some names make msgpackr throw (the connection is closed), others decode: no answer is owed.
      return call(r, target, `${field.name} as an Error named ${name}`, (ctx) => ({ ...(mp(target.template(ctx)) as object), [field.name]: errorExt }), { expectsAnswer: false });
    }
    case "handshake": {
      const hField = r.pick(HANDSHAKE_FIELDS);
      return draft({
        label: `handshake ${hField.name} only under __proto__`,
        stage: "open",
        build: (ctx) => messages(connectPacket(entries([...Object.entries(without(ctx.auth, hField.name)).map(([k, v]) => [k, mp(v)] as const), ["__proto__", { [hField.name]: mp(ctx.auth[hField.name]) }]]))),
        expectsAnswer: true,
        mustRefuse: true,
      });
    }
    case "event-name":
      // No handler answers an unknown event; the point is that nothing else does either.
      return draft({ label: `event named ${name}`, channel: r.chance(0.5) ? "session" : "ws", build: (ctx) => messages(event([name, polluter], ctx.ackId)) });
    case "packet-proto":
      return draft({
        label: "packet fields only under __proto__",
        channel: r.chance(0.5) ? "session" : "ws",
        build: (ctx) => messages(encode(entries([["__proto__", { type: 2, nsp: "/", data: [EVENTS.challenge], id: ctx.ackId }]]))),
      });
    case "packet-extra":
      return draft({
        label: `packet with ${name} keys`,
        channel: r.chance(0.5) ? "session" : "ws",
        build: (ctx) =>
          messages(encode(entries([["type", 2], ["nsp", "/"], ["data", [EVENTS.submit, { ...(mp(ctx.submit) as object), round: 0 }]], ["id", ctx.ackId], [name, polluter], ["__proto__", polluter]]))),
        expectsAnswer: true,
        mustRefuse: true,
      });
    case "namespace": {
      const nsp = r.chance(0.5) ? name : `/${name}`;
      return draft({ label: `CONNECT to namespace ${nsp}`, stage: "open", build: (ctx) => messages(packet({ type: 0, nsp, data: mp(ctx.auth) })) });
    }
  }
};

const HUGE = [2 ** 32 - 1, 2 ** 31, 2 ** 24, 65_535, 1_000_000];

export const msgpackBomb: CaseProducer = (r) => {
  const kind = r.pick(["array", "map", "str", "bin", "ext"] as const);
  const length = r.pick(HUGE);
  const tail = r.bytes(r.int(0, 16));
  const bomb = concat([header(kind, length, r.int(0, 255)), tail]);
  const where = r.pick(["packet", "payload", "field", "event-name", "heavy-map", "nil-array", "bigint", "long-string", "same-key"] as const);
  const field = r.pick(SUBMIT_FIELDS);
  const channel = r.chance(0.5) ? "session" : "ws";
  const size = r.int(10_000, 60_000);
  switch (where) {
    case "packet":
      return draft({ label: `${kind} declaring ${length}, as the packet`, channel, build: () => messages(bomb) });
    case "payload":
      return draft({ label: `${kind} declaring ${length}, as the payload`, channel, build: (ctx) => messages(event([EVENTS.submit, raw(bomb)], ctx.ackId)) });
    case "field":
      return draft({ label: `${kind} declaring ${length}, as ${field.name}`, channel, build: (ctx) => messages(event([EVENTS.submit, { ...(mp(ctx.submit) as object), [field.name]: raw(bomb) }], ctx.ackId)) });
    case "event-name":
      return draft({ label: `${kind} declaring ${length}, as the event name`, channel, build: (ctx) => messages(event([raw(bomb)], ctx.ackId)) });
    // Complete messages that are expensive to read, then refused.
    case "heavy-map":
      return call(r, SUBMIT, `payload of ${size} keys`, () => entries(Array.from({ length: size }, (_, i) => [`k${i}`, i] as const)));
    case "nil-array":
      return call(r, SUBMIT, `${field.name} as ${size * 4} nils`, (ctx) => ({ ...(mp(ctx.submit) as object), [field.name]: raw(concat([header("array", size * 4), new Uint8Array(size * 4).fill(0xc0)])) }));
    case "bigint": {
      const bytes = r.bytes(r.int(1_000, 400_000));
      return call(r, SUBMIT, `numSamples as a ${bytes.length}-byte BigInt`, (ctx) => ({ ...(mp(ctx.submit) as object), numSamples: raw(concat([header("ext", bytes.length, 0x42), bytes])) }));
    }
    case "long-string":
      return call(r, SUBMIT, `${field.name} as ${size * 10} characters`, (ctx) => ({ ...(mp(ctx.submit) as object), [field.name]: "0x" + "a".repeat(size * 10) }));
    case "same-key":
      return call(r, SUBMIT, `one key ${size} times`, () => entries(Array.from({ length: size }, (_, i) => ["round", i] as const)));
  }
};

/** `depth` nested one-element arrays or one-entry maps around nil, written directly (no encoder recursion). */
function nested(kind: "array" | "map" | "mixed", depth: number): Uint8Array {
  const levels = [Uint8Array.of(0x91), Uint8Array.of(0x81, 0xa1, 0x61)];
  const out = new Uint8Array(depth * 3 + 1);
  let offset = 0;
  for (let i = 0; i < depth; i++) {
    const level = levels[kind === "array" ? 0 : kind === "map" ? 1 : i & 1]!;
    out.set(level, offset);
    offset += level.length;
  }
  out[offset] = 0xc0;
  return out.subarray(0, offset + 1);
}

export const deepNesting: CaseProducer = (r) => {
  const depth = r.pick([100_000, 100_000, 100_000, 20_000, 5_000, 1_000, 300]);
  const kind = r.pick(["array", "map", "mixed"] as const);
  const field = r.pick(SUBMIT_FIELDS);
  const where = r.pick(["payload", "field", "authenticate", "handshake", "challenge-arg", "packet"] as const);
  const deep = () => raw(nested(kind, depth));
  // Below ~1,000 levels msgpackr reads it and the event reaches its handler, which must answer.
  const decodes = depth <= 1_000;
  const label = `${kind} nested ${depth} deep, as`;
  switch (where) {
    case "payload":
      return call(r, SUBMIT, `${label} the payload`, () => deep(), { expectsAnswer: decodes });
    case "field":
      return call(r, SUBMIT, `${label} ${field.name}`, (ctx) => ({ ...(mp(ctx.submit) as object), [field.name]: deep() }), { expectsAnswer: decodes });
    case "authenticate":
      return call(r, AUTHENTICATE, `${label} the payload`, () => deep(), { expectsAnswer: decodes });
    case "handshake":
      return draft({ label: `${label} handshake auth`, stage: "open", build: () => messages(connectPacket({ auth: deep() })), expectsAnswer: decodes, mustRefuse: true });
    case "challenge-arg":
      return draft({ label: `${label} a challenge argument`, channel: r.chance(0.5) ? "session" : "ws", build: () => messages(event([EVENTS.challenge, deep()])) });
    case "packet":
      return draft({ label: `${label} the packet`, channel: r.chance(0.5) ? "session" : "ws", build: () => messages(nested(kind, depth)) });
  }
};

export const truncated: CaseProducer = (r) => {
  const base = r.pick(["submit", "authenticate", "challenge", "connect"] as const);
  const at = r.next();
  const trailing = r.chance(0.25) ? r.bytes(r.int(1, 8)) : undefined;
  const channel = base === "connect" ? "ws" : r.chance(0.5) ? "session" : "ws";
  const whole = (ctx: BuildContext): Uint8Array =>
    base === "submit"
      ? event([EVENTS.submit, mp(ctx.submit)], ctx.ackId)
      : base === "authenticate"
        ? event([EVENTS.authenticate, mp(ctx.authenticate)], ctx.ackId)
        : base === "challenge"
          ? event([EVENTS.challenge], ctx.ackId)
          : connectPacket(mp(ctx.auth));
  return draft({
    label: trailing ? `${base} with ${trailing.length} trailing bytes` : `${base} cut short`,
    channel,
    stage: base === "connect" ? "open" : "connected",
    build: (ctx) => {
      const bytes = whole(ctx);
      return messages(trailing ? concat([bytes, trailing]) : bytes.subarray(0, Math.max(1, Math.floor(at * (bytes.length - 1)))));
    },
    // A valid submission cut or padded must never be taken as the valid one.
    mustRefuse: true,
  });
};

export const socketioPacket: CaseProducer = (r) => {
  const variant = r.pick(["type", "connect-error", "disconnect", "ack", "namespace", "ack-id", "data", "extra-fields", "not-a-map", "second-connect", "connect-no-auth"] as const);
  const channel = r.chance(0.5) ? "session" : "ws";
  const junk = notAnObject(r);
  switch (variant) {
    case "type": {
      const type = r.pick<MpValue>([-1, 7, 8, 255, 1.5, "2", null, 5, 6, 2n ** 64n - 1n]);
      return draft({ label: `packet type ${String(type)}`, channel, build: (ctx) => messages(packet({ type, nsp: "/", data: [EVENTS.challenge], id: ctx.ackId })) });
    }
    case "connect-error": {
      const data = r.chance(0.5) ? "x" : {};
      return draft({ label: "CONNECT_ERROR from a client", channel, build: () => messages(packet({ type: 4, nsp: "/", data })) });
    }
    case "disconnect": {
      const withData = r.chance(0.5);
      // A well-formed one leaves the connection without a namespace: the sender moves on to a new one.
      return draft({ label: "DISCONNECT from a client", channel, build: () => messages(packet(withData ? { type: 1, nsp: "/", data: "x" } : { type: 1, nsp: "/" })), terminal: !withData });
    }
    case "ack": {
      const id = r.int(0, 64);
      const data = r.pick<MpValue>([[true], [false], [{}], "x", [], [null, 1, 2]]);
      return draft({ label: "ACK from a client", channel, build: () => messages(packet({ type: 3, nsp: "/", data, id })) });
    }
    case "namespace": {
      const nsp = r.pick<MpValue>(["", "x", "/admin", "/" + r.text(r.int(1, 30)), 5, null, "/?a=b", "/".repeat(1000), "/\u0000", "//"]);
      const connect = r.chance(0.5);
      return draft({
        label: `${connect ? "CONNECT" : "EVENT"} to namespace ${JSON.stringify(nsp)?.slice(0, 20)}`,
        channel: connect ? "ws" : channel,
        stage: connect ? "open" : "connected",
        build: (ctx) => messages(connect ? packet({ type: 0, nsp, data: mp(ctx.auth) }) : packet({ type: 2, nsp, data: [EVENTS.challenge], id: ctx.ackId })),
      });
    }
    case "ack-id": {
      const id = r.pick<MpValue>(["1", 1.5, -1, 2 ** 53, 2 ** 31, null, Number.NaN, 2n ** 64n - 1n, -(2 ** 53)]);
      return draft({ label: `ack id ${String(id)}`, channel, build: (ctx) => messages(packet({ type: 2, nsp: "/", data: [EVENTS.submit, { ...(mp(ctx.submit) as object), round: 0 }], id })) });
    }
    case "data": {
      const longName = r.text(1000);
      const data = r.pick<(ctx: { ackId: number }) => MpValue>([
        () => "x",
        () => ({}),
        () => 5,
        () => [],
        () => [5],
        () => ["connect"],
        () => ["disconnect", 1],
        () => ["newListener", "round:submit"],
        () => [""],
        () => ["error", junk()],
        () => [longName],
        () => [EVENTS.submit, ...Array.from({ length: 100 }, (_, i) => i)],
      ]);
      return draft({ label: "EVENT data of a wrong shape", channel, build: (ctx) => messages(packet({ type: 2, nsp: "/", data: data(ctx), id: ctx.ackId })) });
    }
    case "extra-fields":
      return draft({
        label: "packet with extra fields",
        channel,
        build: (ctx) => messages(encode({ type: 2, nsp: "/", data: [EVENTS.submit, { ...(mp(ctx.submit) as object), round: 0 }], id: ctx.ackId, attachments: 5, junk: junk() })),
        expectsAnswer: true,
        mustRefuse: true,
      });
    case "not-a-map": {
      const value = r.pick<MpValue>([[2, "/", [EVENTS.challenge]], "2", 2, null, true, new Uint8Array(4)]);
      return draft({ label: "packet not a map", channel, build: () => messages(encode(value)) });
    }
    case "second-connect":
      return draft({ label: "CONNECT on a connected socket", channel, build: (ctx) => messages(connectPacket(mp(ctx.auth))) });
    case "connect-no-auth":
      return draft({ label: "CONNECT without auth", stage: "open", build: () => messages(packet({ type: 0, nsp: "/" })), expectsAnswer: true, mustRefuse: true });
  }
};
