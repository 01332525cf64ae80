import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { parseTrainConfig } from "./trainConfig.ts";

describe("parseTrainConfig", () => {
  it("applies defaults", () => {
    expect(parseTrainConfig({ epochs: 1, batchSize: 32, learningRate: 0.1 })).toEqual({
      epochs: 1,
      batchSize: 32,
      learningRate: 0.1,
      optimizer: "sgd",
      momentum: 0,
      weightDecay: 0,
      proximalMu: 0,
      seed: 0,
    });
  });

  it("keeps explicit values", () => {
    const config = {
      epochs: 3,
      batchSize: 8,
      learningRate: 0.001,
      optimizer: "adam",
      momentum: 0,
      weightDecay: 1e-5,
      proximalMu: 0.01,
      evaluateFraction: 0.2,
      seed: 9,
    };
    expect(parseTrainConfig(config)).toEqual(config);
  });

  it("accepts SGD momentum and refuses momentum with adam", () => {
    expect(parseTrainConfig({ epochs: 1, batchSize: 8, learningRate: 0.01, momentum: 0.9, weightDecay: 1e-5 })).toMatchObject({ momentum: 0.9, weightDecay: 1e-5 });
    for (const bad of [{ optimizer: "adam", momentum: 0.9 }, { momentum: 1 }, { momentum: -0.1 }, { weightDecay: -1 }]) {
      let caught: unknown;
      try {
        parseTrainConfig({ epochs: 1, batchSize: 8, learningRate: 0.01, ...bad });
      } catch (error) {
        caught = error;
      }
      expect(isFedLedgerError(caught, "INVALID_CONFIG")).toBe(true);
    }
  });

  it.each([
    { epochs: 0, batchSize: 32, learningRate: 0.1 },
    { epochs: 1.5, batchSize: 32, learningRate: 0.1 },
    { epochs: 1, batchSize: 0, learningRate: 0.1 },
    { epochs: 1, batchSize: 32, learningRate: 0 },
    { epochs: 1, batchSize: 32, learningRate: Number.POSITIVE_INFINITY },
    { epochs: 1, batchSize: 32, learningRate: 0.1, optimizer: "rmsprop" },
    { epochs: 1, batchSize: 32, learningRate: 0.1, proximalMu: -1 },
    { epochs: 1, batchSize: 32, learningRate: 0.1, evaluateFraction: 0 },
    { epochs: 1, batchSize: 32, learningRate: 0.1, evaluateFraction: 0.9 },
    { epochs: 1, batchSize: 32, learningRate: 0.1, unknown: true },
    { batchSize: 32, learningRate: 0.1 },
  ])("rejects %j with INVALID_CONFIG", (input) => {
    let caught: unknown;
    try {
      parseTrainConfig(input);
    } catch (error) {
      caught = error;
    }
    expect(isFedLedgerError(caught, "INVALID_CONFIG")).toBe(true);
  });
});
