import fc from "fast-check";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../../errors/FedLedgerError.ts";
import type { ErrorCode } from "../../errors/codes.ts";
import type { LayerSpec } from "./layout.ts";
import { decodeWeights, encodeWeights, measureWeights, parseWeightsFrame, WEIGHTS_FORMAT_VERSION, WEIGHTS_MAGIC } from "./weightsCodec.ts";

const packr = new Packr({ useRecords: false, moreTypes: false });
const layout: LayerSpec[] = [
  { name: "dense_0/kernel", shape: [3, 2] },
  { name: "dense_0/bias", shape: [2] },
];
const weights = [Float32Array.from([0.5, -1, 2, 0, 3.25, -0.125]), Float32Array.from([1, -1])];
const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function expectCode(fn: () => unknown, code: ErrorCode) {
  try {
    fn();
  } catch (error) {
    expect(isFedLedgerError(error) ? error.code : error).toBe(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

const layoutArb = fc
  .array(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 })
  .map((shapes) => shapes.map((shape, i) => ({ name: `layer_${i}`, shape })));
const layoutAndWeights = layoutArb.chain((l) =>
  fc.tuple(
    fc.constant(l),
    fc.tuple(...l.map((layer) => fc.float32Array({ minLength: layer.shape.reduce((a, b) => a * b, 1), maxLength: layer.shape.reduce((a, b) => a * b, 1), noNaN: true, noDefaultInfinity: true }))),
  ),
);

describe("canonical weights encoding", () => {
  it("round-trips f32 bit-exactly over random shapes", () => {
    fc.assert(
      fc.property(layoutAndWeights, ([l, w]) => {
        const decoded = decodeWeights(encodeWeights(w, l), l);
        expect(decoded.dtype).toBe("f32");
        decoded.weights.forEach((layer, i) => expect(bytes(layer)).toEqual(bytes(w[i]!)));
      }),
      { numRuns: 200 },
    );
  });

  it("round-trips int8 within half a quantization step, at one byte per parameter", () => {
    fc.assert(
      fc.property(layoutAndWeights, ([l, w]) => {
        const encoded = encodeWeights(w, l, "i8");
        const decoded = decodeWeights(encoded, l);
        expect(decoded.dtype).toBe("i8");
        decoded.weights.forEach((layer, i) => {
          const original = w[i]!;
          const max = original.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          const step = Math.fround(max / 127) * (1 + 1e-6);
          // A scale that underflows float32 (subnormal layers) quantizes the layer to zero.
          const bound = step === 0 ? max : step / 2 + max * 1e-6;
          layer.forEach((v, j) => expect(Math.abs(v - original[j]!)).toBeLessThanOrEqual(bound));
        });
      }),
      { numRuns: 200 },
    );
  });

  it("is deterministic: equal weights give equal bytes, whatever their buffers", () => {
    fc.assert(
      fc.property(layoutAndWeights, ([l, w]) => {
        const copies = w.map((a) => Float32Array.from(a));
        expect(encodeWeights(copies, l)).toEqual(encodeWeights(w, l));
      }),
    );
  });

  it("computes the norm in the decoding pass: +0, then v·v added in layout order in binary64", () => {
    fc.assert(
      fc.property(layoutAndWeights, fc.constantFrom("f32" as const, "i8" as const), ([l, w], dtype) => {
        const decoded = decodeWeights(encodeWeights(w, l, dtype), l);
        let sum = 0;
        for (const layer of decoded.weights) for (const v of layer) sum += v * v;
        expect(decoded.norm).toBe(Math.sqrt(sum));
      }),
      { numRuns: 200 },
    );
  });

  it("measures in place what decoding finds (dtype, norm bit for bit, layer locations), at any byte alignment", () => {
    fc.assert(
      fc.property(layoutAndWeights, fc.constantFrom("f32" as const, "i8" as const), fc.integer({ min: 0, max: 3 }), ([l, w], dtype, shift) => {
        const encoded = encodeWeights(w, l, dtype);
        const host = new Uint8Array(encoded.byteLength + 3);
        host.set(encoded, shift);
        const { weights: _values, ...decoded } = decodeWeights(encoded, l);
        expect(measureWeights(host.subarray(shift, shift + encoded.byteLength), l)).toEqual(decoded);
      }),
      { numRuns: 200 },
    );
  });

  it("measures layers longer than its read chunk, unaligned, to the same norm", () => {
    const big: LayerSpec[] = [{ name: "big", shape: [50_001] }, { name: "small", shape: [3] }];
    const values = [Float32Array.from({ length: 50_001 }, (_, k) => Math.sin(k) * 1e-3), Float32Array.from([1, -2, 3])];
    const encoded = encodeWeights(values, big);
    for (let shift = 0; shift < 4; shift++) {
      const host = new Uint8Array(encoded.byteLength + 4);
      host.set(encoded, shift);
      const measured = measureWeights(host.subarray(shift, shift + encoded.byteLength), big);
      expect(measured.norm).toBe(decodeWeights(encoded, big).norm);
    }
    const poisoned = values.map((layer) => layer.slice());
    (poisoned[0] as Float32Array)[40_000] = Number.NaN;
    const host = new Uint8Array(encoded.byteLength + 1);
    host.set(encodeWeights(poisoned, big), 1);
    expect(() => measureWeights(host.subarray(1), big)).toThrow(expect.objectContaining({ code: "NON_FINITE", details: "index 40000 is NaN" }));
  });

  it("locates every layer's data inside the encoding (what a reader of the stored object uses)", () => {
    fc.assert(
      fc.property(layoutAndWeights, fc.constantFrom("f32" as const, "i8" as const), ([l, w], dtype) => {
        const encoded = encodeWeights(w, l, dtype);
        const decoded = decodeWeights(encoded, l);
        const frame = parseWeightsFrame(encoded, l);
        expect(frame).toEqual({ dtype, layers: decoded.layers });
        frame.layers.forEach((at, i) => {
          const data = encoded.subarray(at.byteOffset, at.byteOffset + at.byteLength);
          if (dtype === "f32") {
            expect(at.scale).toBe(1);
            expect(Uint8Array.from(data)).toEqual(Uint8Array.from(bytes(decoded.weights[i]!)));
          } else {
            const values = new Int8Array(data.buffer, data.byteOffset, data.byteLength);
            expect(Float32Array.from(values, (q) => q * at.scale)).toEqual(decoded.weights[i]);
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it("refuses to encode weights that do not match the layout", () => {
    expectCode(() => encodeWeights([weights[0]!], layout), "SHAPE_MISMATCH");
    expectCode(() => encodeWeights([weights[0]!, new Float32Array(3)], layout), "SHAPE_MISMATCH");
  });

  describe("decoding rejects malformed input with a typed error", () => {
    const frame = (...parts: unknown[]) => packr.pack(parts);
    const goodLayers = [
      ["dense_0/kernel", [3, 2], bytes(weights[0]!)],
      ["dense_0/bias", [2], bytes(weights[1]!)],
    ];
    it.each([
      ["not msgpack", Uint8Array.from([0xc1]), "DECODE_ERROR"],
      ["empty", new Uint8Array(0), "DECODE_ERROR"],
      ["not an array", packr.pack({ a: 1 }), "DECODE_ERROR"],
      ["wrong magic", frame("other", WEIGHTS_FORMAT_VERSION, "f32", goodLayers), "DECODE_ERROR"],
      ["unknown version", frame(WEIGHTS_MAGIC, 99, "f32", goodLayers), "DECODE_ERROR"],
      ["unknown dtype", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f16", goodLayers), "DECODE_ERROR"],
      ["layers not an array", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f32", "x"), "DECODE_ERROR"],
      ["missing layer", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f32", goodLayers.slice(0, 1)), "SHAPE_MISMATCH"],
      ["extra layer", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f32", [...goodLayers, goodLayers[1]]), "SHAPE_MISMATCH"],
      ["unknown layer", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f32", [goodLayers[0], ["other", [2], bytes(weights[1]!)]]), "SHAPE_MISMATCH"],
      ["layers out of order", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f32", [goodLayers[1], goodLayers[0]]), "SHAPE_MISMATCH"],
      ["wrong shape", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f32", [["dense_0/kernel", [2, 3], bytes(weights[0]!)], goodLayers[1]]), "SHAPE_MISMATCH"],
      ["short data", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f32", [["dense_0/kernel", [3, 2], bytes(weights[0]!).slice(0, 20)], goodLayers[1]]), "DECODE_ERROR"],
      ["data not binary", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f32", [["dense_0/kernel", [3, 2], [1, 2, 3]], goodLayers[1]]), "DECODE_ERROR"],
      ["NaN", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f32", [goodLayers[0], ["dense_0/bias", [2], bytes(Float32Array.from([1, Number.NaN]))]]), "NON_FINITE"],
      ["Infinity", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f32", [goodLayers[0], ["dense_0/bias", [2], bytes(Float32Array.from([-Infinity, 1]))]]), "NON_FINITE"],
      ["int8 without scale", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "i8", [["dense_0/kernel", [3, 2], new Uint8Array(6)], ["dense_0/bias", [2], new Uint8Array(2)]]), "DECODE_ERROR"],
      ["int8 NaN scale", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "i8", [["dense_0/kernel", [3, 2], new Uint8Array(6), bytes(Float32Array.from([Number.NaN]))], ["dense_0/bias", [2], new Uint8Array(2), bytes(Float32Array.from([1]))]]), "NON_FINITE"],
      ["int8 negative scale", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "i8", [["dense_0/kernel", [3, 2], new Uint8Array(6), bytes(Float32Array.from([-1]))], ["dense_0/bias", [2], new Uint8Array(2), bytes(Float32Array.from([1]))]]), "NON_FINITE"],
      ["int8 scale that overflows float32", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "i8", [["dense_0/kernel", [3, 2], new Uint8Array(6), bytes(Float32Array.from([3.4e38]))], ["dense_0/bias", [2], new Uint8Array(2), bytes(Float32Array.from([1]))]]), "NON_FINITE"],
      ["int8 wrong length", frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "i8", [["dense_0/kernel", [3, 2], new Uint8Array(5), bytes(Float32Array.from([1]))], ["dense_0/bias", [2], new Uint8Array(2), bytes(Float32Array.from([1]))]]), "DECODE_ERROR"],
    ] as const)("%s", (_name, input, code) => {
      expectCode(() => decodeWeights(input, layout), code);
      expectCode(() => measureWeights(input, layout), code);
    });

    it.each([
      ["decodeWeights", decodeWeights],
      ["measureWeights", measureWeights],
    ] as const)("%s names the first non-finite value of the first bad layer, whatever comes after it", (_name, read) => {
      const bad = frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f32", [["dense_0/kernel", [3, 2], bytes(Float32Array.from([3e38, 3e38, Number.NaN, Infinity, 1, 2]))], ["dense_0/bias", [2], bytes(Float32Array.from([Infinity, 1]))]]);
      try {
        read(bad, layout);
        expect.fail("expected NON_FINITE");
      } catch (error) {
        expect(isFedLedgerError(error) && [error.code, error.details]).toEqual(["NON_FINITE", "index 2 is NaN"]);
        expect((error as Error).message).toContain("dense_0/kernel");
      }
    });

    it("a valid frame decodes (control)", () => {
      expect(decodeWeights(frame(WEIGHTS_MAGIC, WEIGHTS_FORMAT_VERSION, "f32", goodLayers), layout).weights[1]).toEqual(weights[1]);
    });
  });
});
