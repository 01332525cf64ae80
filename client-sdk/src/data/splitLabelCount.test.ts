import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../errors/codes.ts";
import { labelCountSplit } from "./splitLabelCount.ts";

const fedError = (code: ErrorCode) => expect.objectContaining({ name: "FedLedgerError", code });

/** 10 classes x `perClass` samples, labels interleaved 0..9, 0..9, ... */
function balancedLabels(perClass: number, classes = 10): Int32Array {
  return Int32Array.from({ length: classes * perClass }, (_, i) => i % classes);
}

const labelsOf = (labels: ArrayLike<number>, part: readonly number[]) => new Set(part.map((i) => labels[i]));

describe("labelCountSplit (#C=k)", () => {
  it("gives every client exactly k distinct labels, and uses every sample at most once", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 10 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer(),
        (classes, clients, kRaw, seed) => {
          const k = Math.min(kRaw, classes);
          // Enough samples per label that no holder's share is empty.
          const labels = balancedLabels(clients, classes);
          const parts = labelCountSplit(labels, { clients, labelsPerClient: k, seed });
          expect(parts).toHaveLength(clients);
          for (const part of parts) {
            expect(labelsOf(labels, part).size).toBe(k);
            expect(part).toEqual([...part].sort((a, b) => a - b));
          }
          const used = parts.flat();
          expect(new Set(used).size).toBe(used.length);
          for (const i of used) expect(i >= 0 && i < labels.length).toBe(true);
        },
      ),
    );
  });

  it("gives client i the label i mod classes, and divides a label's samples near-equally among its holders", () => {
    const labels = balancedLabels(100);
    const parts = labelCountSplit(labels, { clients: 10, labelsPerClient: 2, seed: 4 });
    parts.forEach((part, i) => expect(labelsOf(labels, part).has(i % 10)).toBe(true));
    for (let label = 0; label < 10; label++) {
      const shares = parts.map((part) => part.filter((i) => labels[i] === label).length).filter((n) => n > 0);
      // Every sample of a held label is dealt; the shares differ by at most one.
      expect(shares.reduce((a, b) => a + b, 0)).toBe(100);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
  });

  it("leaves out the samples of labels no client holds", () => {
    const labels = balancedLabels(20);
    const parts = labelCountSplit(labels, { clients: 3, labelsPerClient: 1, seed: 0 });
    expect(parts.map((part) => [...labelsOf(labels, part)])).toEqual([[0], [1], [2]]);
    expect(parts.flat()).toHaveLength(60);
  });

  it("with k = classes, every client holds every label", () => {
    const labels = balancedLabels(30);
    const parts = labelCountSplit(labels, { clients: 3, labelsPerClient: 10, seed: 1 });
    for (const part of parts) expect(part).toHaveLength(100);
    expect(parts.flat().sort((a, b) => a - b)).toEqual(Array.from(labels, (_, i) => i));
  });

  it("is deterministic for a seed and changes with the seed", () => {
    const labels = balancedLabels(50);
    const a = labelCountSplit(labels, { clients: 10, labelsPerClient: 2, seed: 9 });
    expect(labelCountSplit(labels, { clients: 10, labelsPerClient: 2, seed: 9 })).toEqual(a);
    expect(labelCountSplit(labels, { clients: 10, labelsPerClient: 2, seed: 10 })).not.toEqual(a);
  });

  it("gives the same partition as before for a fixed input (regression pin)", () => {
    const labels = [0, 1, 2, 0, 1, 2, 0, 1, 2, 2];
    // Pinned output: a change here changes every partition made with a recorded seed.
    expect(labelCountSplit(labels, { clients: 3, labelsPerClient: 2, seed: 2024 })).toEqual([[0, 3, 6, 8, 9], [1, 5, 7], [2, 4]]);
  });

  it("refuses bad options and labels", () => {
    const labels = balancedLabels(2);
    expect(() => labelCountSplit(labels, { clients: 0, labelsPerClient: 2, seed: 0 })).toThrow(fedError("INVALID_CONFIG"));
    expect(() => labelCountSplit(labels, { clients: 2, labelsPerClient: 0, seed: 0 })).toThrow(fedError("INVALID_CONFIG"));
    expect(() => labelCountSplit(labels, { clients: 2, labelsPerClient: 11, seed: 0 })).toThrow(fedError("INVALID_CONFIG"));
    expect(() => labelCountSplit(labels, { clients: 2, labelsPerClient: 2, seed: 0.5 })).toThrow(fedError("INVALID_CONFIG"));
    expect(() => labelCountSplit([0, 1, -1], { clients: 2, labelsPerClient: 1, seed: 0 })).toThrow(fedError("INVALID_DATASET"));
    expect(() => labelCountSplit([0, 1.5], { clients: 2, labelsPerClient: 1, seed: 0 })).toThrow(fedError("INVALID_DATASET"));
    expect(() => labelCountSplit([0, 3], { clients: 2, labelsPerClient: 1, classes: 3, seed: 0 })).toThrow(fedError("INVALID_DATASET"));
  });
});
