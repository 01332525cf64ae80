import { describe, expect, it } from "vitest";
import { parseCoordinatorConfig } from "./coordinatorConfig.ts";
import { exampleConfigText } from "./exampleConfig.ts";
import { parseJsonc } from "./parseJsonc.ts";

describe("the example config `init` writes", () => {
  it("is commented, and parses back into a valid config", () => {
    const text = exampleConfigText();
    expect(text.split("\n").filter((line) => line.trim().startsWith("//")).length).toBeGreaterThan(10);
    expect(() => JSON.parse(text)).toThrow();
    const config = parseCoordinatorConfig(parseJsonc(text));
    expect(config.chain).toEqual({ rpcUrl: "http://127.0.0.1:8545", ledger: "0x0000000000000000000000000000000000000000" });
    expect(config.model.spec).toMatchObject({ kind: "mlp", inputShape: [28, 28] });
    expect(config.strategy).toEqual({ name: "clip", medianMultiple: 1, inner: { name: "fedavg" } });
    expect(config.evaluation?.dataset).toMatch(/^idx:/);
  });

  it("takes the chain's URL and the ledger's address", () => {
    const ledger = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const config = parseCoordinatorConfig(parseJsonc(exampleConfigText({ rpcUrl: "https://rpc.example.org/v1", ledger })));
    expect(config.chain).toEqual({ rpcUrl: "https://rpc.example.org/v1", ledger });
  });
});
