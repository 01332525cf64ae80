import { FedLedgerError } from "../errors/FedLedgerError.ts";
import type { CoalitionGame } from "./coalitionGame.ts";

/** Exact Shapley values need 2^n evaluations; beyond this many players that is refused. */
export const MAX_EXACT_SHAPLEY_PLAYERS = 20;

/**
 * Exact Shapley values (Shapley 1953) over all 2^n coalitions:
 * φ_i = Σ_{S ∌ i} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S)). The reference the
 * sampled estimates are measured against; INVALID_CONFIG beyond MAX_EXACT_SHAPLEY_PLAYERS.
 */
export async function exactShapley(game: CoalitionGame): Promise<number[]> {
  const n = game.size;
  if (n > MAX_EXACT_SHAPLEY_PLAYERS) {
    throw new FedLedgerError("INVALID_CONFIG", "Too many players for exact Shapley values", { details: `${n} > ${MAX_EXACT_SHAPLEY_PLAYERS}` });
  }
  // weight[s] = s! (n − s − 1)! / n!, built as a product to stay exact enough in float64.
  const weight = Array.from({ length: n }, (_, s) => {
    let w = 1 / n;
    for (let k = 1; k <= s; k++) w *= k / (n - k);
    return w;
  });
  const values = new Float64Array(n);
  const coalitions = 1 << n;
  for (let mask = 0; mask < coalitions; mask++) {
    let size = 0;
    for (let m = mask; m !== 0; m &= m - 1) size++;
    if (size === n) continue;
    const base = await game.value(BigInt(mask));
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) continue;
      values[i] = (values[i] as number) + (weight[size] as number) * ((await game.value(BigInt(mask | (1 << i)))) - base);
    }
  }
  return [...values];
}
