import { describe, expect, it } from "vitest";
import { formatAmount } from "./formatAmount.ts";
import { formatFields, formatTable } from "./formatTable.ts";
import { formatTimestamp } from "./formatTimestamp.ts";
import { toJson } from "./toJson.ts";

const token = { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3", symbol: "FLR", decimals: 18 } as const;

describe("output formatting", () => {
  it("formats token amounts with decimals and symbol, or as base units", () => {
    expect(formatAmount(1_500_000_000_000_000_000n, token)).toBe("1.5 FLR");
    expect(formatAmount(1n, token)).toBe("0.000000000000000001 FLR");
    expect(formatAmount(7n, { ...token, decimals: null })).toBe("7 (base units)");
    expect(formatAmount(7n, null)).toBe("7 (base units)");
    expect(formatAmount(70n, { ...token, symbol: null, decimals: 1 })).toBe("7");
  });

  it("aligns tables and fields", () => {
    expect(formatTable(["Round", "Reward"], [["1", "10"], ["12", "5"]])).toBe("Round  Reward\n1          10\n12          5");
    expect(formatTable(["N", "Hash"], [["7", "0xab"], ["12", "0x1"]], ["right", "left"])).toBe(" N  Hash\n 7  0xab\n12  0x1");
    expect(formatFields([["A", "1"], ["Long", "2"]])).toBe("A     1\nLong  2");
  });

  it("writes bigints as decimal strings in JSON", () => {
    expect(JSON.parse(toJson({ a: 2n ** 70n, b: [1n], c: "x" }))).toEqual({ a: "1180591620717411303424", b: ["1"], c: "x" });
  });

  it("formats timestamps", () => {
    expect(formatTimestamp(0n)).toBe("-");
    expect(formatTimestamp(1_700_000_000n)).toBe("2023-11-14T22:13:20.000Z (1700000000)");
    expect(formatTimestamp(10n ** 30n)).toBe(String(10n ** 30n));
  });
});
