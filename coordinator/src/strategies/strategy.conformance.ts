// The contract every Strategy meets, as a reusable vitest suite (in the style of Hono's
// runtime conformance tests). strategies.conformance.test.ts runs it against every
// strategy of the registry.
import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { type LayerSpec, layerSize, type Weights } from "@fedledger/client-sdk";
import { createMemoryUpdateSource } from "../stores/updateSources.ts";
import { summarizeUpdate } from "../validation/updateNorm.ts";
import type { AggregateFitParameters, ClientProxy, FitResult, Strategy } from "./Strategy.ts";

export type StrategyConformanceSetup = {
  layout: readonly LayerSpec[];
  initialWeights: Weights;
  /** Parameters per streamed chunk; the suite checks that it never changes the result. */
  chunkSize?: number;
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

/**
 * `count` updates, in canonical order; one in three is scaled up (an outlier for the robust
 * rules to find), so rules that reject do reject something.
 */
function roundInputs(count: number, delta = (i: number) => values(total, 100 + i, i % 3 === 2 ? 0.5 : 0.05)): { parameters: AggregateFitParameters; results: FitResult[] } {
  const source = createMemoryUpdateSource(total);
  const results: FitResult[] = [];
  for (let i = 0; i < count; i++) {
    source.add(hashOf(i), delta(i));
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
    const make = (setup: Partial<StrategyConformanceSetup> = {}): Strategy => makeStrategy({ layout, initialWeights, ...setup });

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

    it("aggregates bit-identically on repeat, by a fresh instance and by the same one (a retried round)", async () => {
      const { parameters } = roundInputs(7);
      const strategy = make();
      const a = await strategy.aggregateFit(parameters);
      const b = await make().aggregateFit(parameters);
      const c = await strategy.aggregateFit(parameters);
      expect(bytes(b.weights).equals(bytes(a.weights))).toBe(true);
      expect(bytes(c.weights).equals(bytes(a.weights))).toBe(true);
      expect(b.rejected).toEqual(a.rejected);
      expect(c.rejected).toEqual(a.rejected);
    });

    it("gives the same bytes and rejections for any order of the results", async () => {
      const { parameters, results } = roundInputs(9);
      const expected = await make().aggregateFit(parameters);
      for (const by of [1, 3, 6]) {
        const got = await make().aggregateFit({ ...parameters, results: reversedRotation(results, by) });
        expect(bytes(got.weights).equals(bytes(expected.weights))).toBe(true);
        expect(got.rejected).toEqual(expected.rejected);
      }
    });

    it("gives the same bytes for every chunk size", async () => {
      const { parameters } = roundInputs(9);
      const expected = await make().aggregateFit(parameters);
      for (const chunkSize of [1, 5, 8, 24, 1000]) {
        const got = await make({ chunkSize }).aggregateFit(parameters);
        expect(bytes(got.weights).equals(bytes(expected.weights))).toBe(true);
        expect(got.rejected).toEqual(expected.rejected);
      }
    });

    it("rejects only participants of the round, each once, with a reason, in canonical order, and never all", async () => {
      for (const count of [1, 2, 3, 9]) {
        const { parameters, results } = roundInputs(count);
        const { rejected } = await make().aggregateFit(parameters);
        const participants = results.map((r) => r.participant);
        expect(rejected.every((r) => participants.includes(r.participant) && r.reason.length > 0)).toBe(true);
        expect(new Set(rejected.map((r) => r.participant)).size).toBe(rejected.length);
        expect(rejected.map((r) => r.participant)).toEqual(participants.filter((p) => rejected.some((r) => r.participant === p)));
        expect(rejected.length).toBeLessThan(count);
      }
    });

    it("preserves the layout's shapes and produces finite values", async () => {
      for (const count of [1, 2, 9]) {
        const { weights } = await make().aggregateFit(roundInputs(count).parameters);
        expect(weights.map((l) => l.length)).toEqual(sizes);
        expect(weights.every((l) => l instanceof Float32Array && l.every(Number.isFinite))).toBe(true);
      }
    });

    it("leaves the global model unchanged when every delta is zero (from a fresh state)", async () => {
      const { parameters } = roundInputs(5, () => new Float32Array(total));
      const { weights } = await make().aggregateFit(parameters);
      expect(bytes(weights).equals(bytes(initialWeights))).toBe(true);
    });

    it("returns a copy of the global model, rejecting nothing, without results", async () => {
      const { parameters } = roundInputs(3);
      const { weights, rejected } = await make().aggregateFit({ ...parameters, results: [] });
      expect(bytes(weights).equals(bytes(initialWeights))).toBe(true);
      expect(weights[0]).not.toBe(initialWeights[0]);
      expect(rejected).toEqual([]);
    });

    it("refuses a foreign layout or global model (SHAPE_MISMATCH) and a repeated participant (INTERNAL)", async () => {
      const { parameters, results } = roundInputs(3);
      const strategy = make();
      const foreign = [{ name: "dense_0/kernel", shape: [4, 6] }, ...layout.slice(1)];
      await expect(strategy.aggregateFit({ ...parameters, layout: foreign })).rejects.toMatchObject({ code: "SHAPE_MISMATCH" });
      await expect(strategy.aggregateFit({ ...parameters, global: initialWeights.slice(1) })).rejects.toMatchObject({ code: "SHAPE_MISMATCH" });
      const first = results[0] as FitResult;
      const twice = [first, { ...first, updateHash: hashOf(1) }, results[2] as FitResult];
      await expect(strategy.aggregateFit({ ...parameters, results: twice })).rejects.toMatchObject({ code: "INTERNAL" });
    });

    it("does not modify the global model", async () => {
      const { parameters } = roundInputs(3);
      const before = bytes(parameters.global);
      await make().aggregateFit(parameters);
      expect(bytes(parameters.global).equals(before)).toBe(true);
    });

    it("accepts finite updates of the layout, whatever their norm (the absolute bound is the coordinator's)", () => {
      expect(make().checkUpdate(summarizeUpdate(split(values(total, 7, 0.01))))).toBeUndefined();
      expect(make().checkUpdate(summarizeUpdate(split(values(total, 7, 10))))).toBeUndefined();
    });

    it("refuses updates holding non-finite values", () => {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const update = split(values(total, 3, 0.01));
        update[1]?.fill(bad, 2, 3);
        expect(make().checkUpdate(summarizeUpdate(update))).toEqual(expect.any(String));
      }
    });
  });
}
