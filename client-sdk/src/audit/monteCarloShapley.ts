import { mulberry32, shuffleInPlace } from "../data/seededRandom.ts";
import { type CoalitionGame, grandCoalition } from "./coalitionGame.ts";

export type MonteCarloShapleyOptions = {
  /** Permutations sampled (at most; the budget may stop earlier). */
  permutations: number;
  /**
   * Within-permutation truncation: once |v(N) − v(S)| < tolerance · |v(N) − v(∅)|, the
   * remaining players of that permutation get marginal 0 without evaluation; 0 disables it.
   */
  truncationTolerance: number;
  /** Sub-model evaluations per round, v(∅) and v(N) included; the first permutation always completes. */
  maxEvaluations: number;
  /** 32-bit seed of the permutations. */
  seed: number;
};

export type MonteCarloShapleyResult = { values: number[]; permutations: number };

/**
 * Truncated Monte-Carlo Shapley values (TMC-Shapley, Ghorbani & Zou, "Data Shapley",
 * ICML 2019) with GTG-Shapley's guided, truncated permutations (Liu, Chen, Li, Yu, "GTG-
 * Shapley: Efficient and Accurate Participant Contribution Evaluation in Federated
 * Learning", ACM TIST 2022):
 *
 * - one mulberry32 stream from `seed` draws a rotation offset o, then each permutation t:
 *   it starts with player (o + t) mod n (every player leads once per n permutations, the
 *   stratification GTG uses: the first position carries the largest marginals) and the
 *   other players follow in a Fisher-Yates shuffle of ascending index order;
 * - walking a permutation, a player's marginal is v(prefix ∪ {i}) − v(prefix), until the
 *   prefix's utility is within the tolerance of v(N) (truncation: the rest get 0);
 * - coalition utilities are cached by bitmask, so repeated coalitions cost nothing;
 * - a permutation that would exceed the evaluation budget is dropped and sampling stops;
 *   φ_i is the mean of i's marginals over the completed permutations.
 */
export async function monteCarloShapley(game: CoalitionGame, options: MonteCarloShapleyOptions): Promise<MonteCarloShapleyResult> {
  const n = game.size;
  if (n === 0) return { values: [], permutations: 0 };
  const all = grandCoalition(n);
  const empty = await game.value(0n);
  const whole = await game.value(all);
  const threshold = options.truncationTolerance * Math.abs(whole - empty);
  const random = mulberry32(options.seed);
  const offset = Math.floor(random() * n);
  const sums = new Float64Array(n);
  const marginals = new Float64Array(n);
  let completed = 0;
  for (let t = 0; t < options.permutations; t++) {
    const lead = (offset + t) % n;
    const rest = shuffleInPlace(
      Array.from({ length: n - 1 }, (_, i) => (i < lead ? i : i + 1)),
      random,
    );
    marginals.fill(0);
    let coalition = 0n;
    let previous = empty;
    let withinBudget = true;
    for (const player of [lead, ...rest]) {
      if (Math.abs(whole - previous) < threshold) break;
      coalition |= 1n << BigInt(player);
      if (completed > 0 && !game.has(coalition) && game.evaluations >= options.maxEvaluations) {
        withinBudget = false;
        break;
      }
      const current = await game.value(coalition);
      marginals[player] = current - previous;
      previous = current;
    }
    if (!withinBudget) break;
    for (let i = 0; i < n; i++) sums[i] = (sums[i] as number) + (marginals[i] as number);
    completed++;
  }
  return { values: Array.from(sums, (sum) => sum / completed), permutations: completed };
}
