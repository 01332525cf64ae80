import { EVENTS } from "@fedledger/client-sdk";
import { type CaseProducer, draft, event, messages } from "./fuzzCase.ts";
import { concat, header } from "./msgpackWriter.ts";
import { binaryFrame, OPCODE, textFrame, type WsFrame } from "./wsFrame.ts";

/** Malformed engine.io packets, WebSocket frames, HTTP requests and polling bodies. */

const frames = (...list: WsFrame[]) => ({ kind: "frames" as const, frames: list });
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const utf8 = (text: string) => new TextEncoder().encode(text);

export const engineioPacket: CaseProducer = (r) => {
  const junk = r.bytes(r.int(1, 256));
  const bombHeader = header(r.pick(["array", "map", "str", "bin"] as const), 2 ** 32 - 1);
  const depth = r.pick([2_000, 100_000]);
  const text = r.text(r.int(1, 2_000));
  const noops = r.int(1, 50_000);
  const packets: (() => string)[] = [
    () => "",
    () => "0",
    () => "0{}",
    () => "1",
    () => "2",
    () => "2probe",
    () => "3",
    () => "3probe",
    () => "5",
    () => "6",
    () => "7",
    () => "9",
    () => "x",
    () => "4",
    () => "4" + text,
    () => "b",
    () => "b" + base64(junk),
    () => "b" + base64(concat([bombHeader, junk.subarray(0, 4)])),
    () => "b" + base64(concat([new Uint8Array(depth).fill(0x91), Uint8Array.of(0xc0)])),
    () => "b!!!!",
    () => '42["round:submit",{"round":1}]',
    () => '40{"protocolVersion":1}',
    () => "6".repeat(noops),
    () => "\u0000",
    () => text,
  ];
  const index = r.int(0, packets.length - 1);
  const packet = packets[index]!;
  return draft({ label: `engine.io text packet #${index}`, stage: r.chance(0.3) ? "open" : "connected", build: () => frames(textFrame(packet())) });
};

export const wsFrame: CaseProducer = (r) => {
  const payload = r.bytes(r.int(0, 100));
  const variant = r.pick(["unmasked", "rsv", "opcode", "big-ping", "fragmented-ping", "orphan-continuation", "interleaved", "bad-utf8", "close-code", "ping", "fragmented-text", "empty-binary", "empty-text"] as const);
  const challenge = (id: number) => event([EVENTS.challenge], id);
  switch (variant) {
    case "unmasked":
      return draft({ label: "unmasked frame", build: (ctx) => frames({ ...binaryFrame(challenge(ctx.ackId)), masked: false }) });
    case "rsv": {
      const rsv = r.int(1, 7);
      return draft({ label: `RSV bits ${rsv}`, build: (ctx) => frames({ ...binaryFrame(challenge(ctx.ackId)), rsv }) });
    }
    case "opcode": {
      const opcode = r.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]);
      return draft({ label: `reserved opcode ${opcode}`, build: () => frames({ opcode, payload }) });
    }
    case "big-ping": {
      const big = r.bytes(r.int(126, 4_000));
      return draft({ label: "control frame over 125 bytes", build: () => frames({ opcode: OPCODE.ping, payload: big }) });
    }
    case "fragmented-ping":
      return draft({ label: "fragmented control frame", build: () => frames({ opcode: OPCODE.ping, payload, fin: false }) });
    case "orphan-continuation":
      return draft({ label: "continuation without a first frame", build: () => frames({ opcode: OPCODE.continuation, payload }) });
    case "interleaved":
      return draft({ label: "new message inside a fragmented one", build: (ctx) => frames({ ...textFrame("4x"), fin: false }, binaryFrame(challenge(ctx.ackId))) });
    case "bad-utf8": {
      const bad = r.pick([Uint8Array.of(0xc3, 0x28), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xff), Uint8Array.of(0xf4, 0x90, 0x80, 0x80), Uint8Array.of(0xe2, 0x82)]);
      return draft({ label: "text frame of invalid UTF-8", build: () => frames({ opcode: OPCODE.text, payload: concat([utf8("4"), bad]) }) });
    }
    case "close-code": {
      const code = r.pick([0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65_535]);
      const body = r.chance(0.2) ? Uint8Array.of(0x03) : concat([Uint8Array.of(code >> 8, code & 0xff), r.chance(0.5) ? Uint8Array.of(0xff, 0xfe) : utf8("bye")]);
      return draft({ label: `close frame ${body.length === 1 ? "of one byte" : `code ${code}`}`, build: () => frames({ opcode: OPCODE.close, payload: body }) });
    }
    case "ping":
      return draft({ label: "ping", build: () => frames({ opcode: OPCODE.ping, payload: payload.subarray(0, 125) }) });
    case "fragmented-text": {
      const parts = r.int(2, 40);
      const text = utf8("4" + "y".repeat(r.int(parts, 4_000)));
      const size = Math.ceil(text.length / parts);
      return draft({
        label: `text message in ${parts} fragments`,
        build: () =>
          frames(
            ...Array.from({ length: parts }, (_, i) => ({
              opcode: i === 0 ? OPCODE.text : OPCODE.continuation,
              payload: text.subarray(i * size, (i + 1) * size),
              fin: i === parts - 1,
            })),
          ),
      });
    }
    case "empty-binary":
      return draft({ label: "empty binary frame", build: () => frames(binaryFrame(new Uint8Array(0))) });
    case "empty-text":
      return draft({ label: "empty text frame", build: () => frames(textFrame("")) });
  }
};

export const lengthHeader: CaseProducer = (r) => {
  const declared = r.pick([2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 53n, 2n ** 32n, 2n ** 31n, 1_000_000_000n, 3_000_000n, 65_535n, 200n]);
  const payload = r.bytes(r.int(0, 32));
  const opcode = r.pick([OPCODE.binary, OPCODE.text, OPCODE.continuation, OPCODE.ping]);
  return draft({
    label: `frame declaring ${declared} bytes, sending ${payload.length}`,
    stage: r.chance(0.3) ? "open" : "connected",
    build: () => frames({ opcode, payload, declaredLength: declared }),
    terminal: true,
  });
};

export const oversized: CaseProducer = (r) => {
  const size = r.int(1_500_000, 3_000_000);
  const variant = r.pick(["text", "binary", "session"] as const);
  if (variant === "session") return draft({ label: `${size}-byte message after login`, channel: "session", build: () => messages(new Uint8Array(size)) });
  return draft({ label: `${size}-byte ${variant} frame`, build: () => frames(variant === "text" ? textFrame("4" + "x".repeat(size)) : binaryFrame(new Uint8Array(size))) });
};

export const randomBytes: CaseProducer = (r) => {
  const bytes = r.bytes(r.int(1, 4_096));
  const variant = r.pick(["binary", "binary", "session", "text", "stream", "tcp"] as const);
  switch (variant) {
    case "binary":
      return draft({ label: "random binary message", build: () => frames(binaryFrame(bytes)) });
    case "session":
      return draft({ label: "random binary message after login", channel: "session", build: () => messages(bytes) });
    case "text": {
      const text = r.text(r.int(1, 2_000));
      return draft({ label: "random text frame", build: () => frames(textFrame(text)) });
    }
    case "stream":
      return draft({ label: "random bytes instead of frames", build: () => ({ kind: "stream", bytes }), terminal: true });
    case "tcp":
      return draft({ label: "random bytes instead of HTTP", channel: "tcp", build: () => ({ kind: "tcp", bytes }) });
  }
};

const request = (lines: string[], body = "") => utf8([...lines, "", body].join("\r\n"));

export const http: CaseProducer = (r) => {
  const host = "Host: 127.0.0.1";
  const ws = ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"];
  const size = r.int(1, 2_000);
  const seedBytes = r.bytes(8);
  const randomBody = r.bytes(size);
  const big = r.int(1_500_000, 2_500_000);
  const text = r.text(100);
  const choice = r.pick(["eio", "transport", "method"] as const);
  const pick = r.int(0, 12);
  if (r.chance(0.5)) {
    const bodies: (() => Uint8Array | string)[] = [
      () => randomBody,
      () => "4" + text,
      () => "b" + base64(concat([header("map", 2 ** 32 - 1), seedBytes])),
      () => "b" + base64(event([EVENTS.submit, { round: "1" }], 1)),
      () => Array.from({ length: size * 10 }, () => "6").join("\u001e"),
      () => "1",
      () => "2",
      () => "",
      () => "x".repeat(big),
    ];
    const body = bodies[pick % bodies.length]!;
    return draft({ label: "malformed polling body", channel: "polling", build: () => ({ kind: "polling", body: body() }) });
  }
  const requests: (() => Uint8Array)[] = [
    () => request(["GET /socket.io/?EIO=4&transport=websocket HTTP/1.1", host, ""]),
    () => request(["GET /socket.io/?EIO=4&transport=websocket HTTP/1.1", host, ...ws.slice(0, 3), "Sec-WebSocket-Version: 8", ""]),
    () => request([`GET /socket.io/?EIO=${{ eio: "3", transport: "5", method: "abc" }[choice]}&transport=websocket HTTP/1.1`, host, ...ws, ""]),
    () => request([`GET /socket.io/?EIO=4&transport=${{ eio: "foo", transport: "", method: "__proto__" }[choice]} HTTP/1.1`, host, ""]),
    () => request(["GET /socket.io/?EIO=4&transport=polling&sid=bogus HTTP/1.1", host, ""]),
    () => request(["POST /socket.io/?EIO=4&transport=polling&sid=bogus HTTP/1.1", host, "Content-Length: 5", ""], "40{}\n"),
    () => request(["POST /socket.io/?EIO=4&transport=polling HTTP/1.1", host, "Content-Length: 1000000000000", ""], "4"),
    () => request(["GET /socket.io/?EIO=4&transport=polling HTTP/1.1", host, `X-Junk: ${"a".repeat(size * 50)}`, ""]),
    () => request(["POST /socket.io/?EIO=4&transport=polling HTTP/1.1", host, "Content-Length: 4", "Transfer-Encoding: chunked", ""], "0\r\n\r\n"),
    () => request([`${{ eio: "BREW", transport: "DELETE", method: "G\u0000T" }[choice]} /healthz HTTP/1.1`, host, ""]),
    () => request(["GET /socket.io/../../etc/passwd HTTP/1.1", host, ""]),
    () => request([`GET /${"%".repeat(size)} HTTP/1.1`, host, ""]),
    () => utf8("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost"),
  ];
  const bytes = requests[pick % requests.length]!;
  return draft({ label: "malformed HTTP request", channel: "tcp", build: () => ({ kind: "tcp", bytes: bytes() }) });
};
