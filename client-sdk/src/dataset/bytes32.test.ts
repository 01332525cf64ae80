import { describe, expect, it } from "vitest";
import { bufferToHex, bytes32ToBuffer, canonicalBytes32, describeValue, isBytes32Hex } from "./bytes32.ts";

const A = `0x${"ab".repeat(32)}` as const;

describe("bytes32 helpers", () => {
  it("accepts only 0x + 64 hex digits", () => {
    expect(isBytes32Hex(A)).toBe(true);
    expect(isBytes32Hex(A.toUpperCase().replace("0X", "0x"))).toBe(true);
    for (const bad of [A.slice(0, -1), `${A}0`, A.slice(2), `0x${"g".repeat(64)}`, `0X${"ab".repeat(32)}`, 5, null, undefined]) {
      expect(isBytes32Hex(bad)).toBe(false);
    }
  });

  it("lowercases and converts both ways", () => {
    expect(canonicalBytes32(`0x${"AB".repeat(32)}`)).toBe(A);
    const bytes = bytes32ToBuffer(A);
    expect(bytes.length).toBe(32);
    expect(bufferToHex(bytes)).toBe(A);
    expect(bufferToHex(new Uint8Array(bytes.buffer, bytes.byteOffset + 1, 2))).toBe("0xabab");
  });

  it("describes untrusted values without throwing", () => {
    expect(describeValue("x")).toBe('"x"');
    expect(describeValue("y".repeat(100))).toBe(`"${"y".repeat(80)}..."`);
    expect(describeValue(10n)).toBe("bigint");
    expect(describeValue(Object.create(null))).toBe("object");
  });
});
