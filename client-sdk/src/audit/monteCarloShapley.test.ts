import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { type CoalitionGame, createCoalitionGame, grandCoalition } from "./coalitionGame.ts";
import { exactShapley } from "./exactShapley.ts";
import { leaveOneOut } from "./leaveOneOut.ts";
import { monteCarloShapley } from "./monteCarloShapley.ts";

/** A game over `deltas` (one weight per coordinate) with utility −Σ (w − target)². */
function quadraticGame(deltas: readonly number[][], counts: readonly number[], target: readonly number[]): CoalitionGame {
  return createCoalitionGame({
    global: new Float64Array(target.length),
    players: deltas.map((d, i) => ({ delta: Float32Array.from(d), numSamples: counts[i] as number })),
    utility: (w) => -w.reduce((sum, v, k) => sum + (v - (target[k] as number)) ** 2, 0),
  });
}

/** Additive: utility Σ w, so every marginal is the player's own n_i Δ_i / N. */
function additiveGame(deltas: readonly number[], counts: readonly number[]): CoalitionGame {
  return createCoalitionGame({
    global: new Float64Array(1),
    players: deltas.map((d, i) => ({ delta: Float32Array.of(d), numSamples: counts[i] as number })),
    utility: (w) => w[0] as number,
  });
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const options = { permutations: 10, truncationTolerance: 0, maxEvaluations: 1_000, seed: 7 };

// Six players around target (1, 1, 1): overlapping, redundant and harmful directions.
const deltas = [
  [2, 0, 0],
  [0, 2, 0],
  [2, 2, 0],
  [0, 0, 3],
  [-2, -2, -2],
  [0, 0, 0],
];
const counts = [10, 20, 10, 30, 15, 25];

describe("coalition game", () => {
  it("divides by the samples of all players and caches each coalition once", async () => {
    const game = quadraticGame([[1], [3]], [1, 3], [0]);
    // W_{0} = 0 + 1·1/4; W_{1} = 3·3/4; W_N = 10/4.
    expect(await game.value(1n)).toBe(-(0.25 ** 2));
    expect(await game.value(2n)).toBe(-(2.25 ** 2));
    expect(await game.value(3n)).toBe(-(2.5 ** 2));
    expect(await game.value(3n)).toBe(-(2.5 ** 2));
    expect(game.evaluations).toBe(3);
  });

  it("gives a zero update a zero marginal in every coalition, bit for bit", async () => {
    const game = quadraticGame(deltas, counts, [1, 1, 1]);
    for (let mask = 0n; mask < 32n; mask++) expect(Object.is(await game.value(mask | 32n), await game.value(mask))).toBe(true);
  });
});

describe("exact Shapley and leave-one-out", () => {
  it("exact values are efficient (sum to v(N) − v(∅)) and match an additive game's shares", async () => {
    const game = quadraticGame(deltas, counts, [1, 1, 1]);
    const values = await exactShapley(game);
    expect(sum(values)).toBeCloseTo((await game.value(grandCoalition(6))) - (await game.value(0n)), 10);
    expect(values[5]).toBe(0);
    expect(values[4]).toBeLessThan(0);
    const additive = await exactShapley(additiveGame([1, -2, 4], [1, 2, 1]));
    [0.25, -1, 1].forEach((v, i) => expect(additive[i]).toBeCloseTo(v, 12));
  });

  it("leave-one-out is v(N) − v(N \\ {i})", async () => {
    const game = quadraticGame(deltas, counts, [1, 1, 1]);
    const all = grandCoalition(6);
    const expected = [];
    for (let i = 0; i < 6; i++) expected.push((await game.value(all)) - (await game.value(all & ~(1n << BigInt(i)))));
    expect(await leaveOneOut(game)).toEqual(expected);
    expect(game.evaluations).toBe(7);
  });

  it("refuses exact values for more than 20 players (INVALID_CONFIG)", async () => {
    const game = additiveGame(new Array<number>(21).fill(1), new Array<number>(21).fill(1));
    const error = await exactShapley(game).catch((e: unknown) => e);
    expect(isFedLedgerError(error, "INVALID_CONFIG")).toBe(true);
  });
});

describe("monteCarloShapley", () => {
  it("is exact on an additive game, whatever the permutations", async () => {
    const { values } = await monteCarloShapley(additiveGame([1, -2, 4, 0], [1, 2, 1, 4]), { ...options, permutations: 3 });
    [0.125, -0.5, 0.5, 0].forEach((v, i) => expect(values[i]).toBeCloseTo(v, 12));
  });

  it("converges to the exact values as permutations grow, and is deterministic per seed", async () => {
    const exact = await exactShapley(quadraticGame(deltas, counts, [1, 1, 1]));
    const many = await monteCarloShapley(quadraticGame(deltas, counts, [1, 1, 1]), { ...options, permutations: 3_000, maxEvaluations: 64 });
    many.values.forEach((v, i) => expect(v).toBeCloseTo(exact[i] as number, 1));
    expect(many.values[5]).toBe(0);
    const again = await monteCarloShapley(quadraticGame(deltas, counts, [1, 1, 1]), { ...options, permutations: 3_000, maxEvaluations: 64 });
    expect(again).toEqual(many);
    const other = await monteCarloShapley(quadraticGame(deltas, counts, [1, 1, 1]), { ...options, seed: 8 });
    expect(other.values).not.toEqual((await monteCarloShapley(quadraticGame(deltas, counts, [1, 1, 1]), options)).values);
  });

  it("lets every player lead once per n permutations (GTG's guided sampling)", async () => {
    // With one permutation per player, each player's first-position marginal is in its mean.
    const game = additiveGame([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1]);
    const singles = [0, 1, 2, 3, 4, 5].map((i) => 1n << BigInt(i));
    await monteCarloShapley(game, { ...options, permutations: 6 });
    expect(singles.every((s) => game.has(s))).toBe(true);
  });

  it("stops within the evaluation budget, but always completes one permutation", async () => {
    const game = quadraticGame(deltas, counts, [1, 1, 1]);
    const capped = await monteCarloShapley(game, { ...options, permutations: 100, maxEvaluations: 20 });
    expect(game.evaluations).toBeLessThanOrEqual(20);
    expect(capped.permutations).toBeGreaterThan(0);
    expect(capped.permutations).toBeLessThan(100);
    const tiny = quadraticGame(deltas, counts, [1, 1, 1]);
    expect((await monteCarloShapley(tiny, { ...options, maxEvaluations: 2 })).permutations).toBe(1);
    expect(tiny.evaluations).toBe(7);
  });

  it("truncates a permutation once its prefix is within the tolerance of v(N)", async () => {
    // Player 0 alone reaches the target; the others barely move it.
    const game = quadraticGame([[4], [0.001], [0.001], [0.001]], [1, 1, 1, 1], [1]);
    const full = quadraticGame([[4], [0.001], [0.001], [0.001]], [1, 1, 1, 1], [1]);
    await monteCarloShapley(full, { ...options, permutations: 4 });
    const truncated = await monteCarloShapley(game, { ...options, permutations: 4, truncationTolerance: 0.05 });
    expect(game.evaluations).toBeLessThan(full.evaluations);
    expect(truncated.values[0]).toBeGreaterThan(0);
  });
});
