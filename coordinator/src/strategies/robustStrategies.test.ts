// FedMedian, FedTrimmedAvg, Krum, Multi-Krum, Bulyan and NormClipping on tiny rounds,
// each against a plain loop written here, independently of the aggregation kernels.
import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { isFedLedgerError, type LayerSpec, type Weights } from "@fedledger/client-sdk";
import { createMemoryUpdateSource } from "../stores/updateSources.ts";
import type { FitResult } from "./Strategy.ts";
import { Bulyan } from "./bulyan.ts";
import { FedAvg, type FedAvgOptions } from "./fedAvg.ts";
import { FedMedian } from "./fedMedian.ts";
import { FedTrimmedAvg } from "./fedTrimmedAvg.ts";
import { Krum } from "./krum.ts";
import { MultiKrum } from "./multiKrum.ts";
import { NormClipping } from "./normClipping.ts";

const layout: LayerSpec[] = [
  { name: "w", shape: [3] },
  { name: "b", shape: [1] },
];
const global = [Float32Array.from([0.5, -1, 2]), Float32Array.from([0.25])];
const base: FedAvgOptions = { layout, initialWeights: global, fractionFit: 1, minFitClients: 2, minAvailableClients: 2 };
const addressOf = (i: number): Address => `0x${(0xa0 + i).toString(16).padStart(40, "0")}`;
const hashOf = (i: number): Hex => `0x${(i + 1).toString(16).padStart(64, "0")}`;
const flat = (weights: Weights): number[] => weights.flatMap((l) => [...l]);

function round(deltas: number[][], counts = deltas.map(() => 1)) {
  const source = createMemoryUpdateSource(4);
  const results: FitResult[] = deltas.map((d, i) => {
    source.add(hashOf(i), Float32Array.from(d));
    return { participant: addressOf(i), numSamples: counts[i]!, updateHash: hashOf(i) };
  });
  return { round: 1, layout, global, results, failures: [], source };
}

/** fround(g + mean of the given values), the mean summed from +0 in the order given. */
const meanStep = (g: number, values: number[]): number => Math.fround(g + values.reduce((acc, v) => acc + v, 0) / values.length);
const g = flat(global);

function invalid(make: () => unknown): string {
  try {
    make();
  } catch (error) {
    if (isFedLedgerError(error, "INVALID_CONFIG")) return error.details ?? "";
    throw error;
  }
  throw new Error("expected INVALID_CONFIG");
}

// Five honest deltas near (1, 2, 3, 4) and one far outlier.
const honest = [
  [1, 2, 3, 4],
  [1.1, 2.1, 2.9, 4.2],
  [0.9, 1.8, 3.1, 3.9],
  [1.05, 2.2, 3.05, 4.1],
  [0.95, 1.9, 2.95, 3.8],
].map((d) => d.map(Math.fround));
const outlier = [-50, 60, -70, 80];

describe("FedMedian", () => {
  it("takes the coordinate-wise median of 5 known vectors (odd n), unweighted", async () => {
    const deltas = [[1, 10, -3, 0], [2, 20, -2, 0], [3, -30, -1, 5], [100, 40, 0, 5], [-100, 50, 1e6, 5]];
    const { weights, rejected } = await new FedMedian(base).aggregateFit(round(deltas, [1, 1e6, 1, 1, 1]));
    expect(flat(weights)).toEqual([meanStep(g[0]!, [2]), meanStep(g[1]!, [20]), meanStep(g[2]!, [-1]), meanStep(g[3]!, [5])]);
    expect(rejected).toEqual([]);
  });

  it("averages the two middle values for even n, ignoring the outlier", async () => {
    const { weights } = await new FedMedian(base).aggregateFit(round([...honest.slice(0, 3), outlier]));
    const expected = [0, 1, 2, 3].map((k) => {
      const sorted = [...honest.slice(0, 3), outlier].map((d) => d[k]!).sort((a, b) => a - b);
      return meanStep(g[k]!, [sorted[1]!, sorted[2]!]);
    });
    expect(flat(weights)).toEqual(expected);
  });
});

describe("FedTrimmedAvg", () => {
  it("drops floor(β·n) values at each end of every coordinate and averages the rest", async () => {
    const deltas = [...honest, outlier, [0, 0, 0, 0]];
    const { weights, rejected } = await new FedTrimmedAvg({ ...base, beta: 0.2 }).aggregateFit(round(deltas));
    const expected = [0, 1, 2, 3].map((k) => meanStep(g[k]!, deltas.map((d) => d[k]!).sort((a, b) => a - b).slice(1, 6)));
    expect(flat(weights)).toEqual(expected);
    expect(rejected).toEqual([]);
  });

  it("is FedAvg's unweighted mean at β = 0 up to the summation order", async () => {
    const { weights } = await new FedTrimmedAvg({ ...base, beta: 0 }).aggregateFit(round(honest));
    expect(flat(weights)).toEqual([0, 1, 2, 3].map((k) => meanStep(g[k]!, honest.map((d) => d[k]!).sort((a, b) => a - b))));
  });

  it("refuses β outside [0, 0.5)", () => {
    expect(invalid(() => new FedTrimmedAvg({ ...base, beta: 0.5 }))).toMatch(/beta/);
    expect(invalid(() => new FedTrimmedAvg({ ...base, beta: -0.1 }))).toMatch(/beta/);
  });
});

/** Squared distance of two deltas, summed plainly (ranking only; ties are not exercised). */
const dist = (a: number[], b: number[]): number => a.reduce((s, x, k) => s + (x - b[k]!) ** 2, 0);
function referenceKrumOrder(deltas: number[][], f: number): number[] {
  const n = deltas.length;
  const score = (i: number) =>
    deltas
      .filter((_, j) => j !== i)
      .map((d) => dist(deltas[i]!, d))
      .sort((a, b) => a - b)
      .slice(0, n - f - 2)
      .reduce((s, x) => s + x, 0);
  return deltas.map((_, i) => i).sort((a, b) => score(a) - score(b) || a - b);
}

describe("Krum and Multi-Krum", () => {
  const deltas = [honest[0]!, outlier, ...honest.slice(1)];

  it("Krum keeps the honest update with the lowest score and rejects the others, the outlier among them", async () => {
    const best = referenceKrumOrder(deltas, 1)[0]!;
    const { weights, rejected } = await new Krum({ ...base, minFitClients: 5, minAvailableClients: 5, f: 1 }).aggregateFit(round(deltas, [5, 1e9, 5, 5, 5, 5]));
    expect(best).not.toBe(1);
    expect(flat(weights)).toEqual(g.map((x, k) => Math.fround(x + deltas[best]![k]!)));
    expect(rejected.map((r) => r.participant)).toEqual(deltas.map((_, i) => addressOf(i)).filter((_, i) => i !== best));
    expect(rejected.every((r) => /krum/.test(r.reason))).toBe(true);
  });

  it("Multi-Krum averages the m best, unweighted, and rejects the outlier", async () => {
    const kept = referenceKrumOrder(deltas, 1).slice(0, 4).sort((a, b) => a - b);
    const { weights, rejected } = await new MultiKrum({ ...base, minFitClients: 5, minAvailableClients: 5, f: 1, m: 4 }).aggregateFit(round(deltas));
    expect(flat(weights)).toEqual(g.map((x, k) => meanStep(x, kept.map((i) => deltas[i]![k]!))));
    expect(rejected.map((r) => r.participant)).toContain(addressOf(1));
    expect(rejected).toHaveLength(2);
  });

  it("Multi-Krum without m keeps n - f", async () => {
    const { rejected } = await new MultiKrum({ ...base, minFitClients: 5, minAvailableClients: 5, f: 1 }).aggregateFit(round(deltas));
    expect(rejected.map((r) => r.participant)).toEqual([addressOf(1)]);
  });

  it("checks f and m against minFitClients (INVALID_CONFIG)", () => {
    expect(invalid(() => new Krum({ ...base, minFitClients: 4, minAvailableClients: 4, f: 1 }))).toMatch(/f: Krum needs minFitClients >= 2f \+ 3 = 5/);
    expect(invalid(() => new MultiKrum({ ...base, minFitClients: 5, minAvailableClients: 5, f: 1, m: 5 }))).toMatch(/m: .*at most minFitClients - f = 4/);
    expect(invalid(() => new Krum({ ...base, f: -1 }))).toMatch(/^f:/);
  });
});

describe("Bulyan", () => {
  it("chooses θ = n - 2f by repeated Krum, then averages the β = θ - 2f values nearest each median", async () => {
    const deltas = [...honest, outlier, [1, 2, 3, 4.05].map(Math.fround)];
    const f = 1;
    // repeated Krum on what remains
    let remaining = deltas.map((_, i) => i);
    const chosen: number[] = [];
    while (chosen.length < deltas.length - 2 * f) {
      const sub = remaining.map((i) => deltas[i]!);
      const best = remaining[referenceKrumOrder(sub, f)[0]!]!;
      chosen.push(best);
      remaining = remaining.filter((i) => i !== best);
    }
    chosen.sort((a, b) => a - b);
    const beta = chosen.length - 2 * f;
    const expected = g.map((x, k) => {
      const y = chosen.map((i) => deltas[i]![k]!).sort((a, b) => a - b);
      const median = y.length % 2 ? y[(y.length - 1) / 2]! : (y[y.length / 2 - 1]! + y[y.length / 2]!) / 2;
      const nearest = [...y].sort((a, b) => Math.abs(a - median) - Math.abs(b - median) || a - b).slice(0, beta).sort((a, b) => a - b);
      return meanStep(x, nearest);
    });
    const { weights, rejected } = await new Bulyan({ ...base, minFitClients: 7, minAvailableClients: 7, f }).aggregateFit(round(deltas));
    expect(flat(weights)).toEqual(expected);
    expect(rejected.map((r) => r.participant)).toEqual(deltas.map((_, i) => addressOf(i)).filter((_, i) => !chosen.includes(i)));
    expect(rejected.map((r) => r.participant)).toContain(addressOf(5));
  });

  it("needs minFitClients >= 4f + 3", () => {
    expect(invalid(() => new Bulyan({ ...base, minFitClients: 6, minAvailableClients: 6, f: 1 }))).toMatch(/f: Bulyan needs minFitClients >= 4f \+ 3 = 7/);
  });
});

describe("NormClipping", () => {
  it("scales deltas longer than maxNorm down to it before the inner strategy, and leaves others bit-identical", async () => {
    const deltas = [[3, 4, 0, 0], [0.3, 0.4, 0, 0], [0, 0, 0, 12]];
    const maxNorm = 2;
    const clipped = deltas.map((d) => {
      const norm = Math.sqrt(d.reduce((s, x) => s + x * x, 0));
      return norm > maxNorm ? d.map((x) => Math.fround(x * (maxNorm / norm))) : d;
    });
    const strategy = new NormClipping({ maxNorm, inner: new FedAvg(base) });
    const { weights, rejected } = await strategy.aggregateFit(round(deltas, [1, 2, 3]));
    const reference = await new FedAvg(base).aggregateFit(round(clipped, [1, 2, 3]));
    expect(flat(weights)).toEqual(flat(reference.weights));
    expect(rejected).toEqual([]);
    expect(strategy.name).toBe("NormClipping(FedAvg)");
  });

  it("takes the norms the results carry (stored at the ack) instead of reading the updates again, with the same bytes", async () => {
    const deltas = [[3, 4, 0, 0], [0.3, 0.4, 0, 0], [0, 0, 0, 12]].map((d) => d.map(Math.fround));
    const strategy = new NormClipping({ medianMultiple: 1, inner: new FedAvg(base) });
    const plain = round(deltas, [1, 2, 3]);
    let reads = 0;
    const counted = { parameterCount: 4, read: (h: Hex, o: number, into: Float32Array) => (reads++, plain.source.read(h, o, into)) };
    const withNorms = { ...plain, source: counted, results: plain.results.map((r, i) => ({ ...r, norm: Math.sqrt(deltas[i]!.reduce((s, x) => s + x * x, 0)) })) };
    const expected = await strategy.aggregateFit(plain);
    const readsWithout = (await strategy.aggregateFit({ ...plain, source: counted }), reads);
    reads = 0;
    const { weights } = await strategy.aggregateFit(withNorms);
    expect(flat(weights)).toEqual(flat(expected.weights));
    expect(reads).toBe(readsWithout - deltas.length); // one read per update fewer: the norm pass
  });

  it("passes the inner strategy's rejections through", async () => {
    const deltas = [honest[0]!, outlier, ...honest.slice(1)];
    const { rejected } = await new NormClipping({ maxNorm: 1e9, inner: new MultiKrum({ ...base, minFitClients: 5, minAvailableClients: 5, f: 1 }) }).aggregateFit(round(deltas));
    expect(rejected.map((r) => r.participant)).toEqual([addressOf(1)]);
  });

  it("refuses a non-positive maxNorm", () => {
    expect(invalid(() => new NormClipping({ maxNorm: 0, inner: new FedAvg(base) }))).toMatch(/maxNorm/);
  });

  it("with medianMultiple, clips to that multiple of the round's upper median norm", async () => {
    // Norms 5, 0.5, 12 and 1: the upper median is 5, so only the 12 is clipped (to 5 × 1).
    const deltas = [[3, 4, 0, 0], [0.3, 0.4, 0, 0], [0, 0, 0, 12], [0, 1, 0, 0]];
    const clipped = deltas.map((d, i) => (i === 2 ? d.map((x) => Math.fround(x * (5 / 12))) : d));
    const { weights } = await new NormClipping({ medianMultiple: 1, inner: new FedAvg(base) }).aggregateFit(round(deltas, [1, 2, 3, 4]));
    const reference = await new FedAvg(base).aggregateFit(round(clipped, [1, 2, 3, 4]));
    expect(flat(weights)).toEqual(flat(reference.weights));
    const loose = await new NormClipping({ medianMultiple: 3, inner: new FedAvg(base) }).aggregateFit(round(deltas, [1, 2, 3, 4]));
    expect(flat(loose.weights)).toEqual(flat((await new FedAvg(base).aggregateFit(round(deltas, [1, 2, 3, 4]))).weights));
  });

  it("needs exactly one bound", () => {
    expect(invalid(() => new NormClipping({ medianMultiple: 0.5, inner: new FedAvg(base) }))).toMatch(/medianMultiple/);
    expect(invalid(() => new NormClipping({ maxNorm: 1, medianMultiple: 1, inner: new FedAvg(base) } as never))).toMatch(/exactly one/);
  });
});
