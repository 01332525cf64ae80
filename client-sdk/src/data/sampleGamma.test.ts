import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../errors/codes.ts";
import { sampleDirichlet, sampleGamma, sampleLogGamma, sampleStandardNormal } from "./sampleGamma.ts";
import { mulberry32 } from "./seededRandom.ts";

const fedError = (code: ErrorCode) => expect.objectContaining({ name: "FedLedgerError", code });

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  const xs = Array.from({ length: n }, draw);
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { mean, variance };
}

describe("sampleStandardNormal", () => {
  it("has mean 0 and variance 1", () => {
    const random = mulberry32(11);
    const { mean, variance } = moments(() => sampleStandardNormal(random), 40_000);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe("sampleGamma (Marsaglia-Tsang)", () => {
  // Gamma(k, 1) has mean k and variance k; 40,000 draws put the sample mean within
  // ~4 standard errors (4 * sqrt(k / 40000)) and the variance within ~10%.
  it.each([0.05, 0.3, 1, 2.5, 10, 100])("matches the mean and variance of Gamma(%s)", (k) => {
    const random = mulberry32(Math.round(k * 1000));
    const { mean, variance } = moments(() => sampleGamma(k, random), 40_000);
    expect(Math.abs(mean - k)).toBeLessThan(4 * Math.sqrt(k / 40_000));
    expect(Math.abs(variance / k - 1)).toBeLessThan(k < 0.1 ? 0.25 : 0.1);
  });

  it("is positive and deterministic for a seed", () => {
    const a = mulberry32(5);
    const b = mulberry32(5);
    for (const k of [0.5, 1, 3]) {
      const x = sampleGamma(k, a);
      expect(x).toBeGreaterThan(0);
      expect(sampleGamma(k, b)).toBe(x);
    }
  });

  it("stays finite in log space for tiny shapes", () => {
    const random = mulberry32(1);
    for (let i = 0; i < 100; i++) expect(Number.isFinite(sampleLogGamma(0.001, random))).toBe(true);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])("rejects shape %s with INVALID_CONFIG", (shape) => {
    expect(() => sampleGamma(shape, mulberry32(1))).toThrow(fedError("INVALID_CONFIG"));
  });
});

describe("sampleDirichlet", () => {
  it("returns non-negative proportions summing to 1 with mean alpha_i / sum(alpha)", () => {
    const random = mulberry32(3);
    const alphas = [1, 2, 7];
    const sums = [0, 0, 0];
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const p = sampleDirichlet(alphas, random);
      expect(p.every((x) => x >= 0)).toBe(true);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      p.forEach((x, j) => (sums[j] = (sums[j] ?? 0) + x));
    }
    sums.forEach((s, j) => expect(Math.abs(s / n - (alphas[j] ?? 0) / 10)).toBeLessThan(0.01));
  });

  it("stays a valid distribution for tiny alphas (no 0/0)", () => {
    const random = mulberry32(4);
    for (let i = 0; i < 200; i++) {
      const p = sampleDirichlet([0.001, 0.001, 0.001, 0.001], random);
      expect(p.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    }
  });

  it("rejects no alphas or a bad alpha with INVALID_CONFIG", () => {
    expect(() => sampleDirichlet([], mulberry32(1))).toThrow(fedError("INVALID_CONFIG"));
    expect(() => sampleDirichlet([1, 0], mulberry32(1))).toThrow(fedError("INVALID_CONFIG"));
  });
});
