// The contract every Strategy meets, as a reusable vitest suite (in the style of Hono's
// runtime conformance tests): a strategy's own test file calls
// runStrategyConformance("Name", (setup) => new Name({ ...setup, ... })).
import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { type LayerSpec, layerSize, type Weights } from "@fedledger/client-sdk";
import { createMemoryUpdateSource } from "../stores/updateSources.ts";
import type { AggregateFitParameters, ClientProxy, FitResult, Strategy } from "./Strategy.ts";

export type StrategyConformanceSetup = {
  layout: readonly LayerSpec[];
  initialWeights: Weights;
  /** Set by the norm-bound checks; the strategy must refuse updates above it. */
  maxUpdateNorm?: number;
};

const layout: readonly LayerSpec[] = [
  { name: "dense_0/kernel", shape: [6, 4] },
  { name: "dense_0/bias", shape: [4] },
  { name: "dense_1/kernel", shape: [4, 3] },
  { name: "dense_1/bias", shape: [3] },
];
const sizes = layout.map(layerSize);
const total = sizes.reduce((a, b) => a + b, 0);

/** Deterministic values in [-scale, scale) (xorshift32). */
function values(length: number, seed: number, scale: number): Float32Array {
  let x = (seed * 2654435761) >>> 0 || 1;
  return Float32Array.from({ length }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  });
}

function split(flat: Float32Array): Float32Array[] {
  let offset = 0;
  return sizes.map((size) => flat.slice(offset, (offset += size)));
}

const initialWeights = split(values(total, 1, 0.5));
const addressOf = (i: number): Address => `0x${(0x1000 + i * 0x111).toString(16).padStart(40, "0")}`;
const hashOf = (i: number): Hex => `0x${(i + 1).toString(16).padStart(64, "0")}`;
const bytes = (weights: Weights): Buffer => Buffer.concat(weights.map((l) => Buffer.from(l.buffer, l.byteOffset, l.byteLength)));

function roundInputs(count: number): { parameters: AggregateFitParameters; results: FitResult[] } {
  const source = createMemoryUpdateSource(total);
  const results: FitResult[] = [];
  for (let i = 0; i < count; i++) {
    source.add(hashOf(i), values(total, 100 + i, 0.05));
    results.push({ participant: addressOf(i), numSamples: 10 + ((i * 37) % 90), updateHash: hashOf(i) });
  }
  // canonical order: ascending address (addressOf is increasing)
  return { parameters: { round: 1, layout, global: initialWeights, results, failures: [], source }, results };
}

function reversedRotation<T>(items: readonly T[], by: number): T[] {
  const rotated = [...items.slice(by), ...items.slice(0, by)];
  return rotated.reverse();
}

export function runStrategyConformance(name: string, makeStrategy: (setup: StrategyConformanceSetup) => Strategy): void {
  describe(`Strategy conformance: ${name}`, () => {
    const make = (maxUpdateNorm?: number): Strategy =>
      makeStrategy({ layout, initialWeights, ...(maxUpdateNorm === undefined ? {} : { maxUpdateNorm }) });

    it("has a name and initializes parameters in the layout's shapes, finite", async () => {
      const strategy = make();
      expect(strategy.name.length).toBeGreaterThan(0);
      const initial = await strategy.initializeParameters();
      expect(initial.map((l) => l.length)).toEqual(sizes);
      expect(initial.every((l) => l.every(Number.isFinite))).toBe(true);
      expect(bytes(await strategy.initializeParameters()).equals(bytes(initial))).toBe(true);
    });

    it("selects clients deterministically, only from those available, whatever their order", () => {
      const strategy = make();
      const available: ClientProxy[] = Array.from({ length: 12 }, (_, i) => ({ address: addressOf(i) }));
      for (const round of [0, 1, 2, 17]) {
        const picked = strategy.configureFit(round, available).map((c) => c.address);
        expect(strategy.configureFit(round, reversedRotation(available, 5)).map((c) => c.address)).toEqual(picked);
        expect(new Set(picked).size).toBe(picked.length);
        expect(picked.every((a) => available.some((c) => c.address === a))).toBe(true);
      }
      expect(strategy.configureFit(1, [])).toEqual([]);
    });

    it("aggregates deterministically", async () => {
      const { parameters } = roundInputs(5);
      const a = await make().aggregateFit(parameters);
      const b = await make().aggregateFit(parameters);
      expect(bytes(a).equals(bytes(b))).toBe(true);
    });

    it("gives the same bytes for any arrival order once results are sorted by participant", async () => {
      const { parameters, results } = roundInputs(7);
      const expected = bytes(await make().aggregateFit(parameters));
      for (const by of [1, 3, 6]) {
        const sorted = [...reversedRotation(results, by)].sort((x, y) => (BigInt(x.participant) < BigInt(y.participant) ? -1 : 1));
        const got = await make().aggregateFit({ ...parameters, results: sorted });
        expect(bytes(got).equals(expected)).toBe(true);
      }
    });

    it("preserves the layout's shapes and produces finite values", async () => {
      for (const count of [1, 2, 9]) {
        const aggregate = await make().aggregateFit(roundInputs(count).parameters);
        expect(aggregate.map((l) => l.length)).toEqual(sizes);
        expect(aggregate.every((l) => l instanceof Float32Array && l.every(Number.isFinite))).toBe(true);
      }
    });

    it("does not modify the global model", async () => {
      const { parameters } = roundInputs(3);
      const before = bytes(parameters.global);
      await make().aggregateFit(parameters);
      expect(bytes(parameters.global).equals(before)).toBe(true);
    });

    it("refuses updates above the norm bound when one is set, accepts those within", () => {
      const strategy = make(1);
      const small = split(values(total, 7, 0.01));
      const large = split(values(total, 7, 10));
      expect(strategy.checkUpdate(small)).toBeUndefined();
      expect(strategy.checkUpdate(large)).toMatch(/norm/);
      expect(make().checkUpdate(large)).toBeUndefined();
    });

    it("refuses updates holding non-finite values", () => {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const update = split(values(total, 3, 0.01));
        update[1]?.fill(bad, 2, 3);
        expect(make().checkUpdate(update)).toEqual(expect.any(String));
        expect(make(1).checkUpdate(update)).toEqual(expect.any(String));
      }
    });
  });
}
