import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../errors/codes.ts";
import { dirichletSplit } from "./splitDirichlet.ts";

const fedError = (code: ErrorCode) => expect.objectContaining({ name: "FedLedgerError", code });

/** 10 classes x `perClass` samples, labels interleaved 0..9, 0..9, ... */
function balancedLabels(perClass: number): Int32Array {
  return Int32Array.from({ length: 10 * perClass }, (_, i) => i % 10);
}

/** Share of each class held by its largest client, averaged over classes. */
function meanDominance(labels: Int32Array, parts: number[][]): number {
  let total = 0;
  for (let c = 0; c < 10; c++) {
    const counts = parts.map((p) => p.filter((i) => labels[i] === c).length);
    total += Math.max(...counts) / counts.reduce((a, b) => a + b, 0);
  }
  return total / 10;
}

describe("dirichletSplit", () => {
  it("assigns every sample to exactly one client, lists sorted, for any input", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 400 }),
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0.001, max: 1000, noNaN: true }),
        fc.integer(),
        (labels, clients, alpha, seed) => {
          const parts = dirichletSplit(labels, { clients, alpha, seed });
          expect(parts).toHaveLength(clients);
          for (const part of parts) expect(part).toEqual([...part].sort((a, b) => a - b));
          expect(parts.flat().sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
        },
      ),
    );
  });

  it("is deterministic for a seed and changes with the seed", () => {
    const labels = balancedLabels(50);
    const a = dirichletSplit(labels, { clients: 5, alpha: 0.5, seed: 9 });
    expect(dirichletSplit(labels, { clients: 5, alpha: 0.5, seed: 9 })).toEqual(a);
    expect(dirichletSplit(labels, { clients: 5, alpha: 0.5, seed: 10 })).not.toEqual(a);
  });

  it("gives the same partition as before for a fixed input (regression pin)", () => {
    const labels = [0, 1, 0, 1, 2, 2, 0, 1, 2, 0];
    // Pinned output: a change here changes every partition made with a recorded seed.
    expect(dirichletSplit(labels, { clients: 3, alpha: 1, seed: 2024 })).toEqual([[], [0, 2, 4, 5, 6], [1, 3, 7, 8, 9]]);
  });

  it("is near-IID for a large alpha", () => {
    const labels = balancedLabels(1000);
    const parts = dirichletSplit(labels, { clients: 10, alpha: 10_000, seed: 1 });
    for (const part of parts) {
      for (let c = 0; c < 10; c++) {
        const count = part.filter((i) => labels[i] === c).length;
        expect(count).toBeGreaterThan(80);
        expect(count).toBeLessThan(120);
      }
    }
    expect(meanDominance(labels, parts)).toBeLessThan(0.15);
  });

  it("is strongly non-IID for a small alpha", () => {
    const labels = balancedLabels(200);
    expect(meanDominance(labels, dirichletSplit(labels, { clients: 10, alpha: 0.01, seed: 1 }))).toBeGreaterThan(0.85);
    expect(meanDominance(labels, dirichletSplit(labels, { clients: 10, alpha: 0.5, seed: 1 }))).toBeLessThan(0.85);
  });

  it("handles one client, no samples and sparse labels", () => {
    expect(dirichletSplit([3, 3, 0], { clients: 1, alpha: 1, seed: 0 })).toEqual([[0, 1, 2]]);
    expect(dirichletSplit([], { clients: 3, alpha: 1, seed: 0 })).toEqual([[], [], []]);
    expect(dirichletSplit(Int32Array.from([1000, 5]), { clients: 2, alpha: 1, seed: 0 }).flat().sort()).toEqual([0, 1]);
  });

  it.each([
    ["clients 0", { clients: 0, alpha: 1, seed: 0 }],
    ["clients 1.5", { clients: 1.5, alpha: 1, seed: 0 }],
    ["alpha 0", { clients: 2, alpha: 0, seed: 0 }],
    ["alpha -1", { clients: 2, alpha: -1, seed: 0 }],
    ["alpha NaN", { clients: 2, alpha: Number.NaN, seed: 0 }],
    ["alpha Infinity", { clients: 2, alpha: Number.POSITIVE_INFINITY, seed: 0 }],
    ["seed 0.5", { clients: 2, alpha: 1, seed: 0.5 }],
  ])("rejects %s with INVALID_CONFIG", (_name, options) => {
    expect(() => dirichletSplit([0, 1], options)).toThrow(fedError("INVALID_CONFIG"));
  });

  it.each([[[0, -1]], [[0, 1.5]], [[Number.NaN]]])("rejects labels %j with INVALID_DATASET", (labels) => {
    expect(() => dirichletSplit(labels, { clients: 2, alpha: 1, seed: 0 })).toThrow(fedError("INVALID_DATASET"));
  });
});
