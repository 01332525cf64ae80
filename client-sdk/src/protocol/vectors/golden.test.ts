import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { hexToBytes } from "viem";
import { decodeWeights } from "../encoding/weightsCodec.ts";
import { computeGolden } from "./computeGolden.ts";
import { GOLDEN_LAYOUT, GOLDEN_WEIGHTS } from "./goldenInputs.ts";
import golden from "./golden.json" with { type: "json" };

describe("golden vectors", () => {
  it("encoding, SHA-256 and EIP-712 digest match the committed vectors", async () => {
    expect(await computeGolden()).toEqual(golden);
  });

  it("the committed encodings decode back to the inputs, and hash with plain node:crypto", () => {
    const f32 = hexToBytes(golden.f32.encoding as `0x${string}`);
    expect(decodeWeights(f32, GOLDEN_LAYOUT).weights).toEqual(GOLDEN_WEIGHTS);
    expect(`0x${createHash("sha256").update(f32).digest("hex")}`).toBe(golden.f32.sha256);
    const i8 = decodeWeights(hexToBytes(golden.i8.encoding as `0x${string}`), GOLDEN_LAYOUT);
    expect(i8.dtype).toBe("i8");
  });
});
