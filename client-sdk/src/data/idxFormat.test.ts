import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../errors/codes.ts";
import { encodeIdx, IDX_DTYPE_CODES, type IdxArray, parseIdx } from "./idxFormat.ts";

const fedError = (code: ErrorCode) => expect.objectContaining({ name: "FedLedgerError", code });

/** IDX bytes built by hand: 00 00 type ndim, big-endian uint32 dims, then `body` verbatim. */
function idx(typeByte: number, dims: number[], body: number[]): Uint8Array {
  const header = [0, 0, typeByte, dims.length];
  for (const d of dims) header.push((d >>> 24) & 0xff, (d >>> 16) & 0xff, (d >>> 8) & 0xff, d & 0xff);
  return Uint8Array.from([...header, ...body]);
}

describe("parseIdx", () => {
  it("decodes an MNIST-style ubyte image file (magic 0x00000803)", () => {
    const bytes = idx(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 250, 255]);
    expect([...bytes.subarray(0, 4)]).toEqual([0, 0, 8, 3]);
    const parsed = parseIdx(bytes);
    expect(parsed.dtype).toBe("ubyte");
    expect(parsed.dims).toEqual([2, 2, 3]);
    expect(parsed.data).toBeInstanceOf(Uint8Array);
    expect([...parsed.data]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 250, 255]);
  });

  it("decodes an MNIST-style label file (magic 0x00000801)", () => {
    const parsed = parseIdx(idx(0x08, [4], [7, 2, 1, 0]));
    expect(parsed.dims).toEqual([4]);
    expect([...parsed.data]).toEqual([7, 2, 1, 0]);
  });

  it.each([
    ["sbyte", 0x09, [0xff, 0x80, 0x7f], [-1, -128, 127], Int8Array],
    ["short", 0x0b, [0x01, 0x02, 0xff, 0xfe, 0x80, 0x00], [258, -2, -32768], Int16Array],
    ["int", 0x0c, [0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0], [256, -1, -(2 ** 31)], Int32Array],
    ["float", 0x0d, [0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0, 0x3e, 0x20, 0, 0], [1, -2, 0.15625], Float32Array],
    [
      "double",
      0x0e,
      [0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xc0, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18, 0, 0, 0, 0, 0, 0, 0, 0],
      [1, -Math.PI, 0],
      Float64Array,
    ],
  ] as const)("decodes big-endian %s values", (dtype, code, body, values, arrayType) => {
    const parsed = parseIdx(idx(code, [values.length], [...body]));
    expect(parsed.dtype).toBe(dtype);
    expect(parsed.data).toBeInstanceOf(arrayType);
    expect([...parsed.data]).toEqual(values);
  });

  it("inflates gzipped input", () => {
    const raw = idx(0x0b, [2, 1], [0, 5, 0xff, 0xff]);
    const parsed = parseIdx(gzipSync(raw));
    expect(parsed.dims).toEqual([2, 1]);
    expect([...parsed.data]).toEqual([5, -1]);
  });

  it("decodes zero-sized and zero-dimensional arrays", () => {
    expect(parseIdx(idx(0x08, [0, 28, 28], [])).data.length).toBe(0);
    const scalar = parseIdx(idx(0x08, [], [42]));
    expect(scalar.dims).toEqual([]);
    expect([...scalar.data]).toEqual([42]);
  });

  it("copies ubyte data out of the input buffer", () => {
    const bytes = idx(0x08, [2], [1, 2]);
    const parsed = parseIdx(bytes);
    bytes[8] = 99;
    expect([...parsed.data]).toEqual([1, 2]);
    expect(parsed.data.buffer.byteLength).toBe(2);
  });

  const bad: [string, Uint8Array][] = [
    ["empty input", new Uint8Array(0)],
    ["3-byte input", Uint8Array.from([0, 0, 8])],
    ["non-zero first magic byte", idx(0x08, [1], [0]).map((b, i) => (i === 0 ? 1 : b))],
    ["non-zero second magic byte", idx(0x08, [1], [0]).map((b, i) => (i === 1 ? 8 : b))],
    ["unknown type byte 0x0a", idx(0x0a, [1], [0])],
    ["unknown type byte 0x00", idx(0x00, [1], [0])],
    ["a PNG file", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
    ["dims cut short", idx(0x08, [2, 2, 2], []).subarray(0, 10)],
    ["data cut short", idx(0x08, [2, 3], [1, 2, 3, 4, 5])],
    ["short data cut mid-value", idx(0x0b, [1], [0])],
    ["trailing bytes", idx(0x08, [2], [1, 2, 3])],
    ["absurd dims without the data", idx(0x08, [0xffffffff, 0xffffffff, 0xffffffff], [])],
    ["corrupt gzip", Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5])],
    ["truncated gzip", gzipSync(idx(0x08, [100], new Array<number>(100).fill(7))).subarray(0, 20)],
  ];
  it.each(bad)("rejects %s with INVALID_DATASET", (_name, bytes) => {
    expect(() => parseIdx(bytes, "test.idx")).toThrow(fedError("INVALID_DATASET"));
  });

  it("names the source in the error", () => {
    expect(() => parseIdx(idx(0x08, [3], [1]), "my-labels.idx")).toThrow(/my-labels\.idx/);
  });
});

describe("encodeIdx", () => {
  it("writes the header by the spec", () => {
    const bytes = encodeIdx({ dtype: "ubyte", dims: [2, 2], data: Uint8Array.from([1, 2, 3, 4]) });
    expect([...bytes]).toEqual([...idx(0x08, [2, 2], [1, 2, 3, 4])]);
    const ints = encodeIdx({ dtype: "int", dims: [1], data: Int32Array.from([-2]) });
    expect([...ints]).toEqual([0, 0, IDX_DTYPE_CODES.int, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe]);
  });

  it("round-trips every data type through parseIdx", () => {
    const arrays = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 255 })).map((v): IdxArray => ({ dtype: "ubyte", dims: [v.length], data: Uint8Array.from(v) })),
      fc.array(fc.integer({ min: -128, max: 127 })).map((v): IdxArray => ({ dtype: "sbyte", dims: [v.length], data: Int8Array.from(v) })),
      fc.array(fc.integer({ min: -32768, max: 32767 })).map((v): IdxArray => ({ dtype: "short", dims: [v.length], data: Int16Array.from(v) })),
      fc.array(fc.integer()).map((v): IdxArray => ({ dtype: "int", dims: [v.length], data: Int32Array.from(v) })),
      fc.float32Array().map((v): IdxArray => ({ dtype: "float", dims: [v.length], data: v })),
      fc.float64Array().map((v): IdxArray => ({ dtype: "double", dims: [1, v.length], data: v })),
    );
    fc.assert(
      fc.property(arrays, (array) => {
        const parsed = parseIdx(encodeIdx(array));
        expect(parsed.dtype).toBe(array.dtype);
        expect(parsed.dims).toEqual(array.dims);
        expect(parsed.data).toEqual(array.data);
      }),
    );
  });

  const bad: [string, IdxArray][] = [
    ["dims that disagree with the data", { dtype: "ubyte", dims: [3], data: new Uint8Array(2) }],
    ["a typed array of the wrong type", { dtype: "float", dims: [2], data: new Float64Array(2) as unknown as Float32Array }],
    ["a negative dim", { dtype: "ubyte", dims: [-1], data: new Uint8Array(0) }],
    ["a fractional dim", { dtype: "ubyte", dims: [1.5], data: new Uint8Array(1) }],
    ["a dim above 2^32 - 1", { dtype: "ubyte", dims: [2 ** 32, 0], data: new Uint8Array(0) }],
    ["256 dims", { dtype: "ubyte", dims: new Array<number>(256).fill(1), data: new Uint8Array(1) }],
    ["an unknown dtype", { dtype: "half", dims: [0], data: new Uint8Array(0) } as unknown as IdxArray],
  ];
  it.each(bad)("rejects %s with INVALID_DATASET", (_name, array) => {
    expect(() => encodeIdx(array)).toThrow(fedError("INVALID_DATASET"));
  });
});
