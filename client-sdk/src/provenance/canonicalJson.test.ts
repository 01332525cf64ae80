import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { canonicalDigest, canonicalJson } from "./canonicalJson.ts";

describe("canonical JSON (RFC 8785)", () => {
  it("gives the RFC's own example bytes, and their SHA-256", () => {
    // RFC 8785, section 3.2.2 (input) and 3.2.3 (output).
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalJson(input)).toBe(expected);
    expect(canonicalDigest(input)).toBe("0x2d5e01a318d0f0879ab568c4be289c8b1f64ef8921a53c6277d5e069978baacb");
  });

  it("sorts keys at every depth and drops undefined fields", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined }], c: "x" } })).toBe('{"a":{"c":"x","d":[2,{"z":1}]},"b":1}');
  });

  it("refuses what JSON cannot hold (INTERNAL)", () => {
    for (const value of [undefined, Number.NaN, 1n, { x: Infinity }]) {
      let error: unknown;
      try {
        canonicalJson(value);
      } catch (e) {
        error = e;
      }
      expect(isFedLedgerError(error, "INTERNAL")).toBe(true);
    }
  });
});
