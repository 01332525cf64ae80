import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { MAX_NUM_SAMPLES } from "@fedledger/client-sdk";
import { renamedSource, storeUpdates } from "../../../../test/fixtures/storedUpdates.ts";
import { createMemoryUpdateSource } from "../../stores/updateSources.ts";
import type { FitResult, UpdateSource } from "../Strategy.ts";
import { canonicalResultOrder } from "../fedAvg.ts";
import {
  type AggregationBackend,
  planWeightedDeltaAverage,
  weightedDeltaAverage,
  type WeightedDeltaAverageParameters,
} from "./weightedDeltaAverage.ts";
import { errorCodeOf } from "../../../../test/fixtures/errorCode.ts";

const hashOf = (i: number): Hex => `0x${i.toString(16).padStart(64, "0")}`;
const addressOf = (i: number): Address => `0x${i.toString(16).padStart(40, "0")}`;
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Flower's aggregate(): the sample-weighted mean of the client models w_i = g + Δ_i. */
function flowerStyleAverage(global: number[], deltas: number[][], counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const models = deltas.map((delta) => delta.map((d, k) => global[k]! + d));
  return global.map((_, k) => models.reduce((sum, model, i) => sum + model[k]! * counts[i]!, 0) / total);
}

/** The documented arithmetic, written as plainly as possible. */
function referenceLoop(global: Float32Array, deltas: readonly Float32Array[], counts: readonly number[]): Float32Array {
  const total = counts.reduce((a, b) => a + b, 0);
  const out = new Float32Array(global.length);
  for (let k = 0; k < global.length; k++) {
    let acc = 0;
    for (let i = 0; i < deltas.length; i++) acc += counts[i]! * deltas[i]![k]!;
    out[k] = Math.fround(global[k]! + acc / total);
  }
  return out;
}

/** An UpdateSource that is neither of ours: plain object, async reads. */
function foreignSource(parameterCount: number, flats: ReadonlyMap<Hex, Float32Array>): UpdateSource {
  return {
    parameterCount,
    async read(updateHash, offset, into) {
      await Promise.resolve();
      into.set(flats.get(updateHash)!.subarray(offset, offset + into.length));
    },
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fedledger-aggregate-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Fixture = { global: Float32Array; deltas: Float32Array[]; counts: number[] };

async function sourcesFor(f: Fixture, tag: string): Promise<{ name: string; source: UpdateSource; close(): Promise<void> }[]> {
  const p = f.global.length;
  const memory = createMemoryUpdateSource(p);
  // The coordinator's own: signed objects in a content store (two layers, so reads span them).
  const layout = p > 1 ? [{ name: "a", shape: [Math.ceil(p / 3)] }, { name: "b", shape: [p - Math.ceil(p / 3)] }] : [{ name: "a", shape: [p] }];
  const stored = await storeUpdates(join(dir, tag), f.deltas, { layout });
  const map = new Map<Hex, Float32Array>();
  for (const [i, delta] of f.deltas.entries()) {
    memory.add(hashOf(i), delta);
    map.set(hashOf(i), delta);
  }
  return [
    { name: "memory", source: memory, close: async () => undefined },
    { name: "store", source: renamedSource(stored, f.deltas.map((_, i) => hashOf(i))), close: () => stored.source.close() },
    { name: "foreign", source: foreignSource(p, map), close: async () => undefined },
  ];
}

const resultsFor = (f: Fixture) => f.counts.map((numSamples, i) => ({ updateHash: hashOf(i), numSamples }));

describe("weightedDeltaAverage", () => {
  it("matches a hand-written Flower-style weighted average on a tiny example", async () => {
    const f: Fixture = {
      global: Float32Array.from([1, 2, -3]),
      deltas: [Float32Array.from([0.5, -1, 0]), Float32Array.from([1.5, 1, 0.25])],
      counts: [1, 3],
    };
    // By hand: acc = [0.5 + 4.5, -1 + 3, 0 + 0.75] = [5, 2, 0.75]; N = 4;
    // out = [1 + 5/4, 2 + 2/4, -3 + 0.75/4] = [2.25, 2.5, -2.8125].
    const expected = [2.25, 2.5, -2.8125];
    expect(flowerStyleAverage([1, 2, -3], [[0.5, -1, 0], [1.5, 1, 0.25]], [1, 3])).toEqual(expected);
    for (const { name, source, close } of await sourcesFor(f, "tiny")) {
      for (const backend of ["wasm", "js"] as const) {
        const out = await weightedDeltaAverage({ global: f.global, results: resultsFor(f), source, backend });
        expect([...out], `${name}/${backend}`).toEqual(expected);
      }
      await close();
    }
  });

  it("agrees with the Flower-style average up to float32 rounding on random data", async () => {
    const p = 257;
    const f: Fixture = {
      global: Float32Array.from({ length: p }, (_, k) => Math.sin(k)),
      deltas: Array.from({ length: 5 }, (_, i) => Float32Array.from({ length: p }, (_, k) => Math.cos(k * (i + 1)) * 0.01)),
      counts: [10, 200, 3, 3000, 45],
    };
    const out = await weightedDeltaAverage({ global: f.global, results: resultsFor(f), source: (await sourcesFor(f, "flower"))[0]!.source });
    const flower = flowerStyleAverage([...f.global], f.deltas.map((d) => [...d]), f.counts);
    out.forEach((v, k) => expect(Math.abs(v - flower[k]!)).toBeLessThanOrEqual(Math.abs(flower[k]!) * 2 ** -23 + 1e-12));
  });

  it("keeps the reference's +0 start: -0 global and -0 deltas give +0", async () => {
    const f: Fixture = { global: Float32Array.from([-0, -0, 5]), deltas: [Float32Array.from([-0, 1, -0]), Float32Array.from([-0, -1, 0])], counts: [2, 2] };
    const expected = referenceLoop(f.global, f.deltas, f.counts);
    expect(Object.is(expected[0], 0)).toBe(true);
    for (const { name, source, close } of await sourcesFor(f, "zero")) {
      for (const backend of ["wasm", "js"] as const) {
        for (const chunkSize of [1, 2, 3, 64]) {
          const out = await weightedDeltaAverage({ global: f.global, results: resultsFor(f), source, backend, chunkSize });
          expect(bytesOf(out).equals(bytesOf(expected)), `${name}/${backend}/${chunkSize}`).toBe(true);
        }
      }
      await close();
    }
  });

  const finite32 = fc.float({ min: Math.fround(-1e30), max: Math.fround(1e30), noNaN: true });
  const fixtureArb = fc.integer({ min: 1, max: 300 }).chain((p) =>
    fc.record({
      global: fc.array(finite32, { minLength: p, maxLength: p }).map((a) => Float32Array.from(a)),
      deltas: fc.array(
        fc.array(finite32, { minLength: p, maxLength: p }).map((a) => Float32Array.from(a)),
        { minLength: 1, maxLength: 11 },
      ),
      seed: fc.nat(),
    }).map(({ global, deltas, seed }) => ({
      global,
      deltas,
      counts: deltas.map((_, i) => 1 + ((seed + i * 7919) % 100_000)),
    })),
  );

  it("is bit-identical to the reference loop for any chunk size, backend and source (property)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fixtureArb, fc.integer({ min: 1, max: 400 }), fc.constantFrom<AggregationBackend>("wasm", "js"), async (f, chunkSize, backend) => {
        const expected = bytesOf(referenceLoop(f.global, f.deltas, f.counts));
        for (const { name, source, close } of await sourcesFor(f, `prop-${run++}`)) {
          const params = { global: f.global, results: resultsFor(f), source, backend };
          const chunked = await weightedDeltaAverage({ ...params, chunkSize });
          const planned = await weightedDeltaAverage(params);
          await close();
          if (!bytesOf(chunked).equals(expected) || !bytesOf(planned).equals(expected)) throw new Error(`differs: ${name}`);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("gives the same bytes for any permutation of the results once re-sorted by participant (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fixtureArb, fc.array(fc.nat(), { minLength: 11, maxLength: 11 }), fc.integer({ min: 1, max: 50 }), async (f, keys, chunkSize) => {
        const source = (await sourcesFor(f, `perm-${keys.join("-")}-${chunkSize}-${f.global.length}`))[0]!.source;
        const results: FitResult[] = f.counts.map((numSamples, i) => ({ participant: addressOf(1000 - i * 3), numSamples, updateHash: hashOf(i) }));
        const shuffled = results.map((r, i) => ({ r, key: keys[i]! })).sort((a, b) => a.key - b.key).map(({ r }) => r);
        const a = await weightedDeltaAverage({ global: f.global, results: canonicalResultOrder(results), source });
        const b = await weightedDeltaAverage({ global: f.global, results: canonicalResultOrder(shuffled), source, chunkSize });
        expect(bytesOf(a).equals(bytesOf(b))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it("accepts the global as layers or flattened, with the same bytes", async () => {
    const f: Fixture = {
      global: Float32Array.from({ length: 103 }, (_, k) => k / 7),
      deltas: [Float32Array.from({ length: 103 }, (_, k) => -k / 13), Float32Array.from({ length: 103 }, (_, k) => k / 17)],
      counts: [5, 6],
    };
    const source = (await sourcesFor(f, "layers"))[0]!.source;
    const flat = await weightedDeltaAverage({ global: f.global, results: resultsFor(f), source, chunkSize: 10 });
    const layers = [f.global.subarray(0, 1), f.global.subarray(1, 1), f.global.subarray(1, 50), f.global.subarray(50)];
    const fromLayers = await weightedDeltaAverage({ global: layers, results: resultsFor(f), source, chunkSize: 10 });
    expect(bytesOf(fromLayers).equals(bytesOf(flat))).toBe(true);
  });

  it("writes into a given output, including the global itself (in place)", async () => {
    const f: Fixture = {
      global: Float32Array.from({ length: 50 }, (_, k) => k / 3),
      deltas: [1, 2, 3].map((i) => Float32Array.from({ length: 50 }, (_, k) => Math.sin(k * i))),
      counts: [4, 5, 6],
    };
    const expected = bytesOf(referenceLoop(f.global, f.deltas, f.counts));
    for (const { name, source, close } of await sourcesFor(f, "output")) {
      for (const backend of ["wasm", "js"] as const) {
        const output = new Float32Array(50);
        expect(await weightedDeltaAverage({ global: f.global, results: resultsFor(f), source, backend, chunkSize: 7, output })).toBe(output);
        expect(bytesOf(output).equals(expected), `${name}/${backend}`).toBe(true);
        const inPlace = f.global.slice();
        await weightedDeltaAverage({ global: inPlace, results: resultsFor(f), source, backend, chunkSize: 7, output: inPlace });
        expect(bytesOf(inPlace).equals(expected), `${name}/${backend} in place`).toBe(true);
      }
      expect(await errorCodeOf(weightedDeltaAverage({ global: f.global, results: resultsFor(f), source, output: new Float32Array(49) }))).toBe("SHAPE_MISMATCH");
      await close();
    }
  });

  it("refuses empty results, size mismatches, bad counts and chunk sizes; reports float32 overflow", async () => {
    const f: Fixture = { global: Float32Array.from([3e38, 1]), deltas: [Float32Array.from([3e38, 1])], counts: [1] };
    const source = (await sourcesFor(f, "errors"))[0]!.source;
    const base: WeightedDeltaAverageParameters = { global: f.global, results: resultsFor(f), source };
    expect(await errorCodeOf(weightedDeltaAverage({ ...base, results: [] }))).toBe("INTERNAL");
    expect(await errorCodeOf(weightedDeltaAverage({ ...base, global: new Float32Array(3) }))).toBe("SHAPE_MISMATCH");
    expect(await errorCodeOf(weightedDeltaAverage({ ...base, results: [{ updateHash: hashOf(0), numSamples: 0 }] }))).toBe("INTERNAL");
    expect(await errorCodeOf(weightedDeltaAverage({ ...base, results: [{ updateHash: hashOf(0), numSamples: 1.5 }] }))).toBe("INTERNAL");
    expect(await errorCodeOf(weightedDeltaAverage({ ...base, results: [{ updateHash: hashOf(0), numSamples: MAX_NUM_SAMPLES + 1 }] }))).toBe("INTERNAL");
    expect(
      await errorCodeOf(weightedDeltaAverage({ ...base, results: [0, 1].map(() => ({ updateHash: hashOf(0), numSamples: 2 ** 52 })) })),
    ).toBe("INTERNAL");
    expect(await errorCodeOf(weightedDeltaAverage({ ...base, chunkSize: 0 }))).toBe("INVALID_CONFIG");
    for (const backend of ["wasm", "js"] as const) {
      await expect(weightedDeltaAverage({ ...base, backend })).rejects.toThrow(/non-finite[\s\S]*parameter 0 is Infinity/);
    }
  });

  it("keeps scratch within 0.75 of a model whatever N", async () => {
    for (const p2 of [10_000, 100_000, 1_000_000, 10_000_000]) {
      for (const n of [1, 3, 10, 100, 10_000]) {
        const results = Array.from({ length: n }, (_, i) => ({ updateHash: hashOf(i), numSamples: 1 }));
        const fake = { parameterCount: p2, read: async () => undefined };
        for (const backend of ["wasm", "js"] as const) {
          const plan = planWeightedDeltaAverage({ global: new Float32Array(p2), results, source: fake, backend });
          expect(plan.scratchBytes, `${p2}/${n}/${backend}`).toBeLessThanOrEqual(0.75 * p2 * 4);
        }
      }
    }
  });

  it("propagates a failed read only once the other reads of its batch are done", async () => {
    const p = 64;
    const f: Fixture = {
      global: Float32Array.from({ length: p }, (_, k) => k),
      deltas: [0, 1, 2].map((i) => Float32Array.from({ length: p }, (_, k) => (k + i) / 10)),
      counts: [1, 2, 3],
    };
    const good = foreignSource(p, new Map(f.deltas.map((d, i) => [hashOf(i), d])));
    const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const failing: UpdateSource = {
      parameterCount: p,
      async read(updateHash, _offset, into) {
        if (updateHash === hashOf(0)) throw new Error("boom");
        await delay(15);
        into.fill(1e30); // would corrupt whoever reuses the scratch next
      },
    };
    // The next run's reads: buffers 0 and 1 filled at once, buffer 2 after the stray write.
    const slowGood: UpdateSource = {
      parameterCount: p,
      async read(updateHash, offset, into) {
        await delay(updateHash === hashOf(2) ? 40 : 1);
        await good.read(updateHash, offset, into);
      },
    };
    const failed = weightedDeltaAverage({ global: f.global, results: resultsFor(f), source: failing, chunkSize: 8 });
    const next = failed.catch(() => weightedDeltaAverage({ global: f.global, results: resultsFor(f), source: slowGood, chunkSize: 8 }));
    await expect(failed).rejects.toThrow("boom");
    expect(bytesOf(await next).equals(bytesOf(referenceLoop(f.global, f.deltas, f.counts)))).toBe(true);
  });

  it("lets the event loop run during a long aggregation", async () => {
    const p = 2_000_000;
    const source = createMemoryUpdateSource(p);
    const delta = new Float32Array(p).fill(0.5);
    for (let i = 0; i < 8; i++) source.add(hashOf(i), delta);
    const results = Array.from({ length: 8 }, (_, i) => ({ updateHash: hashOf(i), numSamples: i + 1 }));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    const out = await weightedDeltaAverage({ global: new Float32Array(p), results, source, backend: "js" });
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(out[p - 1]).toBe(0.5);
    if (elapsed > 20) expect(ticks).toBeGreaterThan(0);
  });
});
