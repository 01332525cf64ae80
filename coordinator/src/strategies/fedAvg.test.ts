import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import {
  contentHashSync,
  encodeWeights,
  type FedLedgerError,
  isFedLedgerError,
  type LayerSpec,
  rederiveAggregate,
  type Weights,
} from "@fedledger/client-sdk";
import { createMemoryUpdateSource } from "../stores/updateSources.ts";
import { summarizeUpdate } from "../validation/updateNorm.ts";
import { canonicalResultOrder, FedAvg, type FedAvgOptions } from "./fedAvg.ts";
import type { ClientProxy, FitResult } from "./Strategy.ts";

const layout: LayerSpec[] = [
  { name: "dense/kernel", shape: [3, 2] },
  { name: "dense/bias", shape: [2] },
];
const initialWeights = [Float32Array.from([0.5, -1, 2, 0, -0, 0.125]), Float32Array.from([1, -1])];
const base: FedAvgOptions = { layout, initialWeights, fractionFit: 0.5, minFitClients: 2, minAvailableClients: 3 };
const addressOf = (i: number): Address => `0x${i.toString(16).padStart(40, "0")}`;
const clients = (n: number): ClientProxy[] => Array.from({ length: n }, (_, i) => ({ address: addressOf(0x100 + i * 7) }));
const bytes = (weights: Weights): Buffer => Buffer.concat(weights.map((l) => Buffer.from(l.buffer, l.byteOffset, l.byteLength)));

function configError(options: FedAvgOptions): FedLedgerError {
  try {
    new FedAvg(options);
  } catch (error) {
    if (isFedLedgerError(error)) return error;
    throw error;
  }
  throw new Error("expected INVALID_CONFIG");
}

describe("FedAvg options", () => {
  it("lists every problem at once (INVALID_CONFIG)", () => {
    const error = configError({
      ...base,
      fractionFit: 0,
      minFitClients: 0,
      minAvailableClients: 1.5,
      evaluateFn: "nope" as unknown as NonNullable<FedAvgOptions["evaluateFn"]>,
    });
    expect(error.code).toBe("INVALID_CONFIG");
    for (const path of ["fractionFit", "minFitClients", "minAvailableClients", "evaluateFn"]) {
      expect(error.details).toContain(`${path}:`);
    }
  });

  it("checks cross-field rules and the initial weights", () => {
    expect(configError({ ...base, minFitClients: 4, minAvailableClients: 3 }).details).toMatch(/minAvailableClients: must be at least minFitClients/);
    expect(configError({ ...base, initialWeights: [initialWeights[0]!] }).details).toMatch(/initialWeights: Wrong number of layers/);
    expect(configError({ ...base, initialWeights: [initialWeights[0]!, new Float32Array(3)] }).details).toMatch(/initialWeights: Layer dense\/bias/);
    expect(configError({ ...base, initialWeights: [initialWeights[0]!, Float32Array.from([1, NaN])] }).details).toMatch(/initialWeights.1: holds a non-finite/);
    expect(configError({ ...base, layout: [] }).details).toMatch(/layout: must have at least one layer/);
    expect(configError({ ...base, layout: [layout[0]!, { name: "dense/kernel", shape: [2] }] }).details).toMatch(/duplicate layer name/);
    expect(configError({ ...base, fractionFit: 1.01 }).details).toMatch(/fractionFit/);
    expect(() => new FedAvg({ ...base, fractionFit: 1 })).not.toThrow();
  });

  it("copies the initial weights", async () => {
    const mine = initialWeights.map((l) => l.slice());
    const strategy = new FedAvg({ ...base, initialWeights: mine });
    mine[0]![0] = 42;
    const first = await strategy.initializeParameters();
    first[1]![0] = 42;
    expect(bytes(await strategy.initializeParameters()).equals(bytes(initialWeights))).toBe(true);
  });
});

describe("FedAvg.configureFit", () => {
  it("selects max(minFitClients, ceil(fractionFit × available)), none below minAvailableClients", () => {
    const strategy = new FedAvg(base);
    expect(strategy.configureFit(1, clients(2))).toEqual([]);
    expect(strategy.configureFit(1, clients(3))).toHaveLength(2);
    expect(strategy.configureFit(1, clients(5))).toHaveLength(3);
    expect(strategy.configureFit(1, clients(10))).toHaveLength(5);
    const tenth = new FedAvg({ ...base, fractionFit: 0.1, minFitClients: 1, minAvailableClients: 1 });
    expect(tenth.configureFit(1, clients(30))).toHaveLength(3); // 0.1 × 30 is 3.0000000000000004 in float64
    expect(tenth.configureFit(1, clients(31))).toHaveLength(4);
    const all = new FedAvg({ ...base, fractionFit: 1 });
    expect(all.configureFit(9, clients(7))).toEqual(clients(7));
  });

  it("is deterministic per round, order-independent, deduplicated and sorted by address", () => {
    const strategy = new FedAvg({ ...base, fractionFit: 0.3 });
    const pool = clients(20);
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.array(fc.nat(), { minLength: 20, maxLength: 20 }), (round, keys) => {
        const shuffled = pool.map((c, i) => ({ c, k: keys[i]! })).sort((a, b) => a.k - b.k).map(({ c }) => c);
        const picked = strategy.configureFit(round, pool);
        expect(strategy.configureFit(round, [...shuffled, ...shuffled.slice(0, 5)])).toEqual(picked);
        expect(picked).toHaveLength(6);
        expect(picked.map((c) => BigInt(c.address))).toEqual(picked.map((c) => BigInt(c.address)).sort((a, b) => (a < b ? -1 : 1)));
      }),
    );
    const rounds = new Set(Array.from({ length: 20 }, (_, r) => strategy.configureFit(r, pool).map((c) => c.address).join()));
    expect(rounds.size).toBeGreaterThan(10); // different rounds sample different clients
  });

  it("treats addresses case-insensitively", () => {
    const strategy = new FedAvg({ ...base, fractionFit: 1 });
    const upper: ClientProxy = { address: "0x00000000000000000000000000000000000000AB" };
    const lower: ClientProxy = { address: "0x00000000000000000000000000000000000000ab" };
    expect(strategy.configureFit(1, [upper, lower, ...clients(2)])).toHaveLength(3);
  });
});

describe("FedAvg.checkUpdate", () => {
  const update = (bias: number[]) => summarizeUpdate([new Float32Array(6), Float32Array.from(bias)]);

  it("refuses non-finite and misshapen updates, and nothing else", () => {
    const strategy = new FedAvg(base);
    expect(strategy.checkUpdate(update([NaN, 0]))).toBe("update L2 norm NaN is not finite");
    expect(strategy.checkUpdate(update([Infinity, 0]))).toBe("update L2 norm Infinity is not finite");
    expect(strategy.checkUpdate(summarizeUpdate([new Float32Array(6)]))).toMatch(/layout/);
    expect(strategy.checkUpdate(summarizeUpdate([new Float32Array(6), new Float32Array(3)]))).toMatch(/layout/);
    expect(strategy.checkUpdate(update([1e30, 1e30]))).toBeUndefined();
  });
});

describe("FedAvg.aggregateFit", () => {
  function round(deltas: Weights[], counts: number[], order: number[]) {
    const source = createMemoryUpdateSource(8);
    const objects = new Map<Hex, Uint8Array>();
    const results: FitResult[] = deltas.map((delta, i) => {
      const encoded = encodeWeights(delta, layout);
      const updateHash = contentHashSync(encoded);
      objects.set(updateHash, encoded);
      source.add(updateHash, Float32Array.from([...delta[0]!, ...delta[1]!]));
      return { participant: addressOf(0xabc - i * 0x11), numSamples: counts[i]!, updateHash };
    });
    const globalEncoded = encodeWeights(initialWeights, layout);
    objects.set(contentHashSync(globalEncoded), globalEncoded);
    return {
      parameters: { round: 1, layout, global: initialWeights, results: order.map((i) => results[i]!), failures: [], source },
      audit: () =>
        rederiveAggregate({
          layout,
          baseModelHash: contentHashSync(globalEncoded),
          updates: results,
          fetch: async (hash) => objects.get(hash)!,
        }),
    };
  }

  const f32 = fc.float({ min: Math.fround(-1e6), max: Math.fround(1e6), noNaN: true });
  const deltaArb = fc.tuple(fc.array(f32, { minLength: 6, maxLength: 6 }), fc.array(f32, { minLength: 2, maxLength: 2 }));

  it("is bit-identical to the SDK's audit re-derivation, whatever the arrival order (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(deltaArb, fc.integer({ min: 1, max: 1_000_000 })), { minLength: 1, maxLength: 9 }),
        fc.array(fc.nat(), { minLength: 9, maxLength: 9 }),
        async (items, keys) => {
          const deltas = items.map(([[k, b]]) => [Float32Array.from(k), Float32Array.from(b)]);
          const order = items.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
          const { parameters, audit } = round(deltas, items.map(([, n]) => n), order);
          const { weights: aggregate, rejected } = await new FedAvg(base).aggregateFit(parameters);
          expect(rejected).toEqual([]);
          expect(aggregate.map((l) => l.length)).toEqual([6, 2]);
          expect(bytes(aggregate).equals(bytes((await audit()).weights))).toBe(true);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("matches the audit on signed zeros", async () => {
    const zeros = [Float32Array.from([-0, -0, 0, -0, -0, -0]), Float32Array.from([-0, 0])];
    const { parameters, audit } = round([zeros, zeros], [3, 4], [1, 0]);
    const { weights: aggregate } = await new FedAvg(base).aggregateFit(parameters);
    expect(bytes(aggregate).equals(bytes((await audit()).weights))).toBe(true);
    expect(Object.is(aggregate[0]![4], 0)).toBe(true); // global -0 plus +0 sum: +0
  });

  it("returns a copy of the global without results, refuses foreign layouts and repeated participants", async () => {
    const { parameters } = round([initialWeights], [1], [0]);
    const strategy = new FedAvg(base);
    const { weights: unchanged } = await strategy.aggregateFit({ ...parameters, results: [] });
    expect(bytes(unchanged).equals(bytes(initialWeights))).toBe(true);
    expect(unchanged[0]).not.toBe(initialWeights[0]);
    const wrongLayout = [{ name: "dense/kernel", shape: [2, 3] }, layout[1]!];
    await expect(strategy.aggregateFit({ ...parameters, layout: wrongLayout })).rejects.toMatchObject({ code: "SHAPE_MISMATCH" });
    await expect(strategy.aggregateFit({ ...parameters, global: [initialWeights[0]!] })).rejects.toMatchObject({ code: "SHAPE_MISMATCH" });
    const twice = [parameters.results[0]!, { ...parameters.results[0]!, participant: parameters.results[0]!.participant.toUpperCase().replace("0X", "0x") as Address }];
    await expect(strategy.aggregateFit({ ...parameters, results: twice })).rejects.toMatchObject({ code: "INTERNAL" });
  });

  it("canonicalResultOrder sorts by address as a number", () => {
    const results = [0xff, 0x1, 0xabc, 0x10].map((i) => ({ participant: addressOf(i) }));
    expect(canonicalResultOrder(results).map((r) => r.participant)).toEqual([0x1, 0x10, 0xff, 0xabc].map(addressOf));
  });
});

describe("FedAvg evaluation", () => {
  it("asks no client to evaluate and averages client metrics by samples", () => {
    const strategy = new FedAvg(base);
    expect(strategy.configureEvaluate(1, clients(10))).toEqual([]);
    expect(strategy.aggregateEvaluate(1, [])).toBeUndefined();
    expect(strategy.aggregateEvaluate(1, [{ loss: 1, accuracy: 1, numSamples: 0 }])).toBeUndefined();
    expect(
      strategy.aggregateEvaluate(1, [
        { loss: 1, accuracy: 0.5, numSamples: 10 },
        { loss: 3, accuracy: 1, numSamples: 30 },
      ]),
    ).toEqual({ loss: 2.5, accuracy: 0.875, numSamples: 40 });
  });

  it("evaluates on the server only with an evaluateFn", async () => {
    expect(await new FedAvg(base).evaluate(1, initialWeights)).toBeUndefined();
    const seen: Weights[] = [];
    const strategy = new FedAvg({
      ...base,
      evaluateFn: async (weights) => {
        seen.push(weights);
        return { loss: 0.25, accuracy: 0.9, numSamples: 100 };
      },
    });
    expect(await strategy.evaluate(2, initialWeights)).toEqual({ loss: 0.25, accuracy: 0.9, numSamples: 100 });
    expect(seen).toEqual([initialWeights]);
  });
});
