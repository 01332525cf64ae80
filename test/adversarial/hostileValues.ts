import { createFuzzRng, type FuzzRng } from "./fuzzRng.ts";
import { entries, ext, float32, type MpValue } from "./msgpackWriter.ts";

/**
 * Wrong values for one field of a client message. Each draw takes its randomness from
 * the generator at once and returns a function of the field's valid value (known only
 * when the case is sent), so a seed fixes every value. Every value here is invalid for
 * its field: a wrong type, a wrong length, or a value that changes what was signed.
 */
export type Corrupt = (valid: unknown) => MpValue;

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const hexOf = (valid: unknown) => (typeof valid === "string" && valid.startsWith("0x") ? valid : "0x" + "11".repeat(32));
const hex64 = (n: bigint) => n.toString(16).padStart(64, "0");

/** Wrong for a field of any type (string, number, binary or nested object). */
function universal(r: FuzzRng): Corrupt {
  const depth = r.int(2, 64);
  const big = r.pick([2n ** 64n - 1n, -(2n ** 63n), 2n ** 53n + 1n]);
  return r.pick<Corrupt>([
    () => null,
    () => true,
    () => false,
    () => [],
    () => [1, "a", null],
    () => Array.from({ length: depth }).reduce<MpValue>((inner) => [inner], 0),
    () => Number.NaN,
    () => Number.NEGATIVE_INFINITY,
    () => float32(Number.NaN),
    () => big,
    () => ext(0xff, Uint8Array.of(0, 0, 0, 1)), // a msgpack timestamp (a Date)
  ]);
}

const hash = (r: FuzzRng): Corrupt => {
  const other = "0x" + r.hex(32);
  const short = "0x" + r.hex(31);
  const at = r.int(2, 65);
  return r.pick<Corrupt>([
    () => short,
    () => "0x" + "ab".repeat(33),
    (v) => hexOf(v).slice(2),
    () => "0x" + "g".repeat(64),
    () => other, // well formed, not the signed one
    (v) => hexOf(v).slice(0, -1),
    (v) => hexOf(v) + "0",
    (v) => " " + hexOf(v),
    (v) => hexOf(v).slice(0, at) + "\u0663" + hexOf(v).slice(at + 1), // an Arabic-Indic digit
    (v) => new TextEncoder().encode(hexOf(v)), // the right text as binary
    () => 0,
  ]);
};

const signature = (r: FuzzRng): Corrupt => {
  const flipAt = r.int(2, 129);
  const [short, long] = ["0x" + r.hex(64), "0x" + r.hex(66)];
  const rs = (v: unknown) => ({ r: BigInt("0x" + hexOf(v).slice(2, 66)), s: BigInt("0x" + hexOf(v).slice(66, 130)), v: parseInt(hexOf(v).slice(130, 132) || "1b", 16) });
  const sig = (R: bigint, S: bigint, V: number) => `0x${hex64(R)}${hex64(S)}${V.toString(16).padStart(2, "0")}`;
  return r.pick<Corrupt>([
    () => short,
    () => long,
    () => "0x" + "00".repeat(65),
    (v) => {
      const s = hexOf(v);
      const c = s[flipAt] === "f" ? "e" : "f";
      return s.slice(0, flipAt) + c + s.slice(flipAt + 1);
    },
    // The same signature in its high-s form: valid for ecrecover, refused by the contract.
    (v) => {
      const p = rs(v);
      return sig(p.r, SECP256K1_N - p.s, p.v === 27 ? 28 : 27);
    },
    // An out-of-range v (a y-parity 0 / 1 in place of 27 / 28 is the same signature).
    (v) => sig(rs(v).r, rs(v).s, 29),
    (v) => sig(0n, rs(v).s, rs(v).v),
    (v) => sig(rs(v).r, 0n, rs(v).v),
    (v) => sig(rs(v).r, SECP256K1_N, rs(v).v),
    (v) => sig(SECP256K1_N + 1n, rs(v).s, rs(v).v),
    (v) => hexOf(v).slice(0, 130),
  ]);
};

const positiveInt = (r: FuzzRng): Corrupt => {
  const offset = r.int(1, 1000);
  return r.pick<Corrupt>([
    () => 0,
    () => -1,
    () => 1.5,
    () => 2 ** 53,
    () => -(2 ** 53),
    () => Number.POSITIVE_INFINITY,
    (v) => String(v),
    (v) => (typeof v === "number" ? v + offset : 7), // well formed, not the signed one
  ]);
};

const update = (r: FuzzRng): Corrupt => {
  const cut = r.int(1, 40);
  const size = r.int(70_000, 900_000);
  const at = r.int(0, 1_000_000);
  const noiseSeed = r.int(0, 2 ** 31);
  const bytes = (v: unknown) => (v instanceof Uint8Array ? v : new Uint8Array(64));
  return r.pick<Corrupt>([
    () => new Uint8Array(0),
    (v) => createFuzzRng(noiseSeed).bytes(bytes(v).length),
    (v) => {
      const copy = Uint8Array.from(bytes(v));
      copy[at % copy.length] = (copy[at % copy.length]! + 1) & 0xff;
      return copy;
    },
    (v) => bytes(v).subarray(0, Math.max(0, bytes(v).length - cut)),
    (v) => Uint8Array.from([...bytes(v), 0, 0, 0, 0]),
    () => new Uint8Array(size), // over the model's size, under the socket's limit
    // The same bytes as a msgpack typed array that is not a Uint8Array (Float32Array, Uint8ClampedArray).
    (v) => ext(0x74, Uint8Array.from([7, ...bytes(v), ...new Uint8Array((4 - (bytes(v).length % 4)) % 4)])),
    (v) => ext(0x74, Uint8Array.from([2, ...bytes(v)])),
    (v) => Array.from(bytes(v).subarray(0, 64)),
    (v) => Buffer.from(bytes(v)).toString("base64"),
  ]);
};

const metrics = (r: FuzzRng): Corrupt => {
  const count = r.int(1_000, 20_000);
  const key = r.text(r.int(1, 40));
  return r.pick<Corrupt>([
    () => "x",
    () => 5,
    () => [1],
    () => ({ [key]: "s" }),
    () => ({ [key]: null }),
    () => ({ [key]: {} }),
    () => ({ [key]: Number.NaN }),
    () => ({ [key]: Number.POSITIVE_INFINITY }),
    () => ({ loss: [1] }),
    () => entries([["__proto__", { fuzzPolluted: 1 }], ["constructor", { prototype: { fuzzPolluted: 1 } }]]),
    // Many valid entries, one invalid at the end: the whole map is read before it is refused.
    () => entries([...Array.from({ length: count }, (_, i) => [`m${i}`, i] as const), ["last", "x"]]),
  ]);
};

const protocolVersion = (r: FuzzRng): Corrupt => r.pick<Corrupt>([() => "1", () => 1.5, () => -1, () => 2 ** 53, () => ({}), () => 0x7fffffff]);

const address = (r: FuzzRng): Corrupt => {
  const [short, long] = ["0x" + r.hex(19), "0x" + r.hex(21)];
  return r.pick<Corrupt>([
    () => short,
    () => long,
    (v) => hexOf(v).slice(2),
    () => "0x" + "z".repeat(40),
    () => "",
    () => 5,
  ]);
};

const BY_FIELD: Record<string, (r: FuzzRng) => Corrupt> = {
  round: positiveInt,
  numSamples: positiveInt,
  baseModelHash: hash,
  updateHash: hash,
  signature,
  update,
  metrics,
  protocolVersion,
  address,
};

/** A wrong value for `field`: the field's own hostile values half the time, values wrong for any type otherwise. */
export function corruptField(r: FuzzRng, field: string): Corrupt {
  const own = BY_FIELD[field];
  if (field === "metrics") return metrics(r); // an empty map is a valid `metrics`
  return own && r.chance(0.6) ? own(r) : universal(r);
}

/** A top-level payload that is not an object at all. */
export function notAnObject(r: FuzzRng): () => MpValue {
  const length = r.int(0, 200_000);
  const bytes = r.bytes(r.int(0, 64));
  return r.pick<() => MpValue>([() => null, () => 0, () => -1, () => 1.5, () => true, () => "", () => "x".repeat(length), () => [], () => [{}], () => bytes, () => Number.NaN, () => 2n ** 64n - 1n]);
}
