import { describe, expect, it } from "vitest";
import { DEFAULT_MODEL_PURPOSE, modelCardConfigSchema } from "./modelCardConfig.ts";

describe("the modelCard config section", () => {
  it("defaults to a name and a purpose text that says the purpose is not stated; keeps what is given", () => {
    expect(modelCardConfigSchema.parse({})).toEqual({ name: "fedledger model", purpose: DEFAULT_MODEL_PURPOSE });
    const given = { name: "Sepsis risk", provider: "Consortium X", purpose: "Flags sepsis risk for ICU staff.", limitations: "Adults only.", contact: "ml@example.org" };
    expect(modelCardConfigSchema.parse(given)).toEqual(given);
  });

  it("refuses empty texts and unknown keys", () => {
    for (const bad of [{ purpose: "" }, { name: "" }, { intendedUse: "x" }, { purpose: "x".repeat(5_001) }]) {
      expect(modelCardConfigSchema.safeParse(bad).success, JSON.stringify(bad).slice(0, 40)).toBe(false);
    }
  });
});
