import { describe, expect, it } from "vitest";
import { shuffleDataset, subsetDataset } from "../data/Dataset.ts";
import { loadMnistDigits } from "../data/loadMnistDigits.ts";
import { evaluateModel } from "./evaluateModel.ts";
import { initialWeights } from "./initialWeights.ts";
import type { ModelSpec } from "./modelSpec.ts";
import { trainLocal } from "./trainLocal.ts";

const SPEC: ModelSpec = {
  kind: "mlp",
  inputShape: [784],
  layers: [
    { units: 64, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
};

describe("trainLocal on real MNIST digits", () => {
  it("reaches > 85% accuracy on held-out digits after 3 epochs", async () => {
    const digits = shuffleDataset(await loadMnistDigits(), 7);
    const train = subsetDataset(
      digits,
      Array.from({ length: 3000 }, (_, i) => i),
    );
    const test = subsetDataset(
      digits,
      Array.from({ length: 1000 }, (_, i) => 3000 + i),
    );
    const genesis = initialWeights(SPEC, 1);

    const before = await evaluateModel({ spec: SPEC, weights: genesis, data: test });
    const result = await trainLocal({
      spec: SPEC,
      globalWeights: genesis,
      data: train,
      config: { epochs: 3, batchSize: 32, learningRate: 0.1, seed: 1 },
    });
    const after = await evaluateModel({ spec: SPEC, weights: result.weights, data: test });

    expect(before.accuracy).toBeLessThan(0.3);
    expect(after.accuracy).toBeGreaterThan(0.85);
    expect(after.loss).toBeLessThan(before.loss / 3);
    expect(result.numSamples).toBe(3000);
  });
});
