// The FedOpt family against plain loops of Reddi et al.'s update rules, over two rounds, and
// the server state's persistence across a restart.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { contentHash, encodeWeights, type LayerSpec, type Weights } from "@fedledger/client-sdk";
import { createMemoryUpdateSource } from "../stores/updateSources.ts";
import type { FitResult } from "./Strategy.ts";
import type { FedAvgOptions } from "./fedAvg.ts";
import { FedAdagrad } from "./fedAdagrad.ts";
import { FedAdam } from "./fedAdam.ts";
import { FedAvgM } from "./fedAvgM.ts";
import type { FedOpt } from "./fedOpt.ts";
import { FedYogi } from "./fedYogi.ts";
import { createDirectoryServerStateStore } from "./serverStateStore.ts";

const layout: LayerSpec[] = [
  { name: "w", shape: [2] },
  { name: "b", shape: [1] },
];
const initial = [Float32Array.from([0.5, -1]), Float32Array.from([0.25])];
const base: FedAvgOptions = { layout, initialWeights: initial, fractionFit: 1, minFitClients: 1, minAvailableClients: 1 };
const addressOf = (i: number): Address => `0x${(0xb0 + i).toString(16).padStart(40, "0")}`;
const hashOf = (r: number, i: number): Hex => `0x${(r * 16 + i + 1).toString(16).padStart(64, "0")}`;
const flat = (weights: Weights): number[] => weights.flatMap((l) => [...l]);
const layers = (values: number[]): Weights => [Float32Array.from(values.slice(0, 2)), Float32Array.from(values.slice(2))];

// Two rounds of two updates each: deltas and sample counts.
const ROUNDS = [
  { deltas: [[0.1, -0.2, 0.3], [0.3, 0.1, -0.1]], counts: [10, 30] },
  { deltas: [[-0.05, 0.2, 0], [0.01, 0.4, -0.2]], counts: [5, 5] },
];

function roundInputs(r: number, global: Weights) {
  const source = createMemoryUpdateSource(3);
  const { deltas, counts } = ROUNDS[r]!;
  const results: FitResult[] = deltas.map((d, i) => {
    source.add(hashOf(r, i), Float32Array.from(d));
    return { participant: addressOf(i), numSamples: counts[i]!, updateHash: hashOf(r, i) };
  });
  return { round: r + 1, layout, global, results, failures: [], source };
}

/** FedAvg's pseudo-gradient: fround(Σ n_i Δ_i / N). */
function pseudoGradient(r: number): number[] {
  const { deltas, counts } = ROUNDS[r]!;
  const total = counts.reduce((a, b) => a + b, 0);
  return [0, 1, 2].map((k) => Math.fround(deltas.reduce((acc, d, i) => acc + counts[i]! * Math.fround(d[k]!), 0) / total));
}

type Reference = (g: number[], d: number[], state: number[][]) => number[];

const adamLike =
  (eta: number, beta1: number, tau: number, second: (v: number, d2: number) => number): Reference =>
  (g, d, [m, v]) =>
    g.map((x, k) => {
      m![k] = Math.fround(beta1 * m![k]! + (1 - beta1) * d[k]!);
      v![k] = Math.fround(second(v![k]!, d[k]! * d[k]!));
      return Math.fround(x + (eta * m![k]!) / (Math.sqrt(v![k]!) + tau));
    });

const CASES: { name: string; make: (options: FedAvgOptions & { stateStore?: ReturnType<typeof createDirectoryServerStateStore> }) => FedOpt; states: number; step: Reference }[] = [
  {
    name: "FedAdam",
    make: (o) => new FedAdam({ ...o, eta: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3 }),
    states: 2,
    step: adamLike(0.1, 0.9, 1e-3, (v, d2) => 0.99 * v + (1 - 0.99) * d2),
  },
  {
    name: "FedYogi",
    make: (o) => new FedYogi({ ...o, eta: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-3 }),
    states: 2,
    step: adamLike(0.01, 0.9, 1e-3, (v, d2) => v - (1 - 0.99) * d2 * Math.sign(v - d2)),
  },
  {
    name: "FedAdagrad",
    make: (o) => new FedAdagrad({ ...o, eta: 0.1, beta1: 0, tau: 1e-9 }),
    states: 2,
    step: adamLike(0.1, 0, 1e-9, (v, d2) => v + d2),
  },
  {
    name: "FedAvgM",
    make: (o) => new FedAvgM({ ...o, eta: 1, momentum: 0.9 }),
    states: 1,
    step: (g, d, [u]) =>
      g.map((x, k) => {
        u![k] = Math.fround(0.9 * u![k]! + d[k]!);
        return Math.fround(x + 1 * u![k]!);
      }),
  },
];

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.each(CASES)("$name", ({ make, states, step }) => {
  it("follows the paper's update rule over two rounds, bit for bit", async () => {
    const strategy = make(base);
    const state = Array.from({ length: states }, () => [0, 0, 0]);
    let global: Weights = initial;
    let reference = flat(initial);
    for (const r of [0, 1]) {
      reference = step(reference, pseudoGradient(r), state);
      const { weights, rejected } = await strategy.aggregateFit(roundInputs(r, global));
      expect(flat(weights)).toEqual(reference);
      expect(rejected).toEqual([]);
      global = weights;
    }
  });

  it("resumes after a restart from the state stored under the base model's hash", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fedledger-fedopt-"));
    dirs.push(dir);
    const first = make({ ...base, stateStore: createDirectoryServerStateStore(dir) });
    const round1 = await first.aggregateFit(roundInputs(0, initial));
    const hash1 = await contentHash(encodeWeights(round1.weights, layout));
    expect(readdirSync(dir)).toEqual([`${hash1.slice(2)}.state`]);
    const stored = await first.encodedState(hash1);
    expect(stored).toBeDefined();
    // A new process: nothing in memory, the state comes from the directory.
    const restarted = make({ ...base, stateStore: createDirectoryServerStateStore(dir) });
    const continued = await restarted.aggregateFit(roundInputs(1, round1.weights));
    const uninterrupted = await first.aggregateFit(roundInputs(1, round1.weights));
    expect(flat(continued.weights)).toEqual(flat(uninterrupted.weights));
    expect(Buffer.from((await restarted.encodedState(hash1))!).equals(Buffer.from(stored!))).toBe(true);
  });

  it("refuses to start from zeros on a base model whose state is unknown (INTERNAL)", async () => {
    const strategy = make(base);
    await expect(strategy.aggregateFit(roundInputs(1, layers([1, 2, 3])))).rejects.toMatchObject({ code: "INTERNAL" });
  });
});

describe("FedOpt parameters", () => {
  it("refuses out-of-range hyperparameters (INVALID_CONFIG)", () => {
    expect(() => new FedAdam({ ...base, eta: 0, beta1: 0.9, beta2: 0.99, tau: 1e-9 })).toThrow(/eta/);
    expect(() => new FedAdam({ ...base, eta: 0.1, beta1: 1, beta2: 0.99, tau: 1e-9 })).toThrow(/beta1/);
    expect(() => new FedAvgM({ ...base, eta: 1, momentum: -0.1 })).toThrow(/momentum/);
  });
});
