import { describe, expect, it } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import { keccak256, toHex } from "viem";
import { parseDatasetSpec } from "../parseDatasetSpec.ts";
import { joinCommand, loadParticipantRuntime, parseBackend, parseCoordinatorUrl, type RunParticipantOptions } from "./join.ts";

const account = privateKeyToAccount(keccak256(toHex("join test key")));
const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("join command", () => {
  it("loads the dataset and hands everything to the participant runtime", async () => {
    const controller = new AbortController();
    const calls: RunParticipantOptions[] = [];
    const result = await joinCommand(
      { coordinatorUrl: "http://coordinator:4000", dataset: parseDatasetSpec("mnist:20"), backend: "cpu", rpcUrl: "http://rpc:8545", ledger: LEDGER, modelDir: "/models" },
      {
        account,
        signal: controller.signal,
        runParticipant: async (options) => {
          calls.push(options);
          return "done";
        },
      },
    );
    expect(result).toBe("done");
    expect(calls).toHaveLength(1);
    const [options] = calls;
    expect(options).toMatchObject({ coordinatorUrl: "http://coordinator:4000", backend: "cpu", rpcUrl: "http://rpc:8545", ledger: LEDGER, account, modelDir: "/models" });
    expect(options!.signal).toBe(controller.signal);
    expect(options!.dataset.numSamples).toBe(20);
    expect(options!.dataset.featureShape).toEqual([784]);
  });

  it("leaves the backend and the model directory out when none is chosen", async () => {
    let seen: RunParticipantOptions | undefined;
    await joinCommand(
      { coordinatorUrl: "ws://c", dataset: parseDatasetSpec("mnist:1"), rpcUrl: "http://r", ledger: LEDGER },
      { account, signal: new AbortController().signal, runParticipant: async (o) => void (seen = o) },
    );
    expect(seen).toBeDefined();
    expect("backend" in seen!).toBe(false);
    expect("modelDir" in seen!).toBe(false);
  });

  it("checks backend names and coordinator URLs", () => {
    expect(["tensorflow", "wasm", "cpu"].map(parseBackend)).toEqual(["tensorflow", "wasm", "cpu"]);
    expect(() => parseBackend("webgpu")).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    expect(parseCoordinatorUrl("wss://c.example/x")).toBe("wss://c.example/x");
    expect(() => parseCoordinatorUrl("coordinator:4000x")).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    expect(() => parseCoordinatorUrl("not a url")).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
  });

  it("loads the runtime from its module, or says why it cannot", async () => {
    const run = async () => undefined;
    expect(await loadParticipantRuntime(async () => ({ runParticipant: run }))).toBe(run);
    await expect(loadParticipantRuntime(async () => ({}))).rejects.toMatchObject({ code: "INTERNAL" });
    await expect(loadParticipantRuntime(() => import(`./missing-module-${Date.now()}.ts`))).rejects.toMatchObject({
      code: "INTERNAL",
      shortMessage: "The participant runtime (client/runParticipant) cannot be loaded",
    });
  });
});
