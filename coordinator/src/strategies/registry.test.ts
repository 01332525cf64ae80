import { describe, expect, it } from "vitest";
import { type FedLedgerError, isFedLedgerError, type LayerSpec } from "@fedledger/client-sdk";
import { parseCoordinatorConfig } from "../config/coordinatorConfig.ts";
import { Bulyan } from "./bulyan.ts";
import { FedAdagrad } from "./fedAdagrad.ts";
import { FedAdam } from "./fedAdam.ts";
import { FedAvg } from "./fedAvg.ts";
import { FedAvgM } from "./fedAvgM.ts";
import { FedMedian } from "./fedMedian.ts";
import { FedTrimmedAvg } from "./fedTrimmedAvg.ts";
import { FedYogi } from "./fedYogi.ts";
import { Krum } from "./krum.ts";
import { MultiKrum } from "./multiKrum.ts";
import { NormClipping } from "./normClipping.ts";
import { createStrategy, STRATEGY_NAMES, strategyConfigSchema, strategyProblems } from "./registry.ts";

const layout: LayerSpec[] = [{ name: "w", shape: [2] }];
const common = { layout, initialWeights: [new Float32Array(2)], fractionFit: 1, minFitClients: 7, minAvailableClients: 7 };

function configProblems(strategy: unknown, rounds: Record<string, number> = {}): string[] {
  try {
    parseCoordinatorConfig({
      chain: { rpcUrl: "http://127.0.0.1:8545", ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      model: { spec: { kind: "mlp", inputShape: [2], layers: [{ units: 2, activation: "softmax" }] } },
      training: { epochs: 1, batchSize: 4, learningRate: 0.1 },
      rounds,
      strategy,
    });
  } catch (error) {
    if (isFedLedgerError(error, "INVALID_CONFIG")) return ((error as FedLedgerError).details ?? "").split("\n").filter((line) => line.startsWith("strategy"));
    throw error;
  }
  return [];
}

describe("strategy registry", () => {
  it("names every strategy once", () => {
    expect(STRATEGY_NAMES).toEqual(["fedavg", "median", "trimmed-mean", "krum", "multi-krum", "bulyan", "fedadam", "fedyogi", "fedadagrad", "fedavgm", "clip"]);
  });

  it("builds the class each name stands for, with defaults filled", () => {
    const build = (input: unknown) => createStrategy(strategyConfigSchema.parse(input), common);
    expect(build({ name: "fedavg" })).toBeInstanceOf(FedAvg);
    expect(build({ name: "median" })).toBeInstanceOf(FedMedian);
    expect(build({ name: "trimmed-mean" })).toMatchObject({ beta: 0.2 });
    expect(build({ name: "trimmed-mean", beta: 0.1 })).toBeInstanceOf(FedTrimmedAvg);
    expect(build({ name: "krum", f: 2 })).toBeInstanceOf(Krum);
    expect(build({ name: "multi-krum", f: 2, m: 4 })).toMatchObject({ f: 2, m: 4 });
    expect(build({ name: "multi-krum", f: 2, m: 4 })).toBeInstanceOf(MultiKrum);
    expect(build({ name: "bulyan", f: 1 })).toBeInstanceOf(Bulyan);
    expect(build({ name: "fedadam" })).toMatchObject({ eta: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-9 });
    expect(build({ name: "fedadam" })).toBeInstanceOf(FedAdam);
    expect(build({ name: "fedyogi" })).toMatchObject({ eta: 0.01, tau: 1e-3 });
    expect(build({ name: "fedyogi" })).toBeInstanceOf(FedYogi);
    expect(build({ name: "fedadagrad" })).toBeInstanceOf(FedAdagrad);
    expect(build({ name: "fedavgm" })).toMatchObject({ eta: 1, momentum: 0.9 });
    expect(build({ name: "fedavgm" })).toBeInstanceOf(FedAvgM);
    const clip = build({ name: "clip", maxNorm: 3, inner: { name: "median" } });
    expect(clip).toBeInstanceOf(NormClipping);
    expect((clip as NormClipping).inner).toBeInstanceOf(FedMedian);
  });

  it("checks cross-field rules against minFitClients, inside a wrapper too", () => {
    expect(strategyProblems(strategyConfigSchema.parse({ name: "krum", f: 3 }), { minFitClients: 8 })).toEqual([
      "f: Krum needs minFitClients >= 2f + 3 = 9, got 8",
    ]);
    expect(strategyProblems(strategyConfigSchema.parse({ name: "clip", maxNorm: 1, inner: { name: "bulyan", f: 1 } }), { minFitClients: 6 })).toEqual([
      "inner.f: Bulyan needs minFitClients >= 4f + 3 = 7, got 6",
    ]);
    expect(() => createStrategy(strategyConfigSchema.parse({ name: "krum", f: 3 }), common)).toThrow(/Krum needs minFitClients/);
  });
});

describe("the config's strategy section", () => {
  it("defaults to fedavg and reports unknown names, bad parameters and cross-field problems with their paths", () => {
    expect(configProblems(undefined)).toEqual([]);
    expect(configProblems({ name: "fedprox" })[0]).toMatch(/^strategy\.name: /);
    expect(configProblems({ name: "trimmed-mean", beta: 0.7 })[0]).toMatch(/^strategy\.beta: /);
    expect(configProblems({ name: "krum", f: 1, m: 3 })[0]).toMatch(/^strategy: Unrecognized key/);
    expect(configProblems({ name: "multi-krum", f: 2, m: 5 }, { minFitClients: 7, minAvailableClients: 7 })).toEqual([]);
    expect(configProblems({ name: "multi-krum", f: 2, m: 6 }, { minFitClients: 6, minAvailableClients: 6 })).toEqual([
      "strategy.f: Krum needs minFitClients >= 2f + 3 = 7, got 6",
      "strategy.m: Multi-Krum keeps at most minFitClients - f = 4 updates, got 6",
    ]);
    expect(configProblems({ name: "clip", maxNorm: -1, inner: { name: "median" } })[0]).toMatch(/^strategy\.maxNorm: /);
    expect(configProblems({ name: "clip", inner: { name: "median" } })[0]).toMatch(/exactly one of maxNorm and medianMultiple/);
  });
});
