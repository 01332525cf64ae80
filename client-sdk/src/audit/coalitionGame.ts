import type { ValidationUtility } from "./validationUtility.ts";

/**
 * A player of the round's contribution game: one distinct update, its sample weight, and
 * the factor its delta is scaled by (1 unless its norm is capped, see capPlayerNorms).
 */
export type Player = { readonly delta: Float32Array; readonly numSamples: number; readonly scale?: number };

/**
 * The round's cooperative game: v(S) is the validation utility of the sub-model built from
 * coalition S's updates. Coalitions are bitmasks over the players (bit i = player i).
 */
export type CoalitionGame = {
  readonly size: number;
  /** v(S), computed once per coalition and cached; yields to the event loop before computing. */
  value(coalition: bigint): Promise<number>;
  /** Whether v(S) is already cached (costs no evaluation). */
  has(coalition: bigint): boolean;
  /** Distinct coalitions evaluated so far (sub-model evaluations). */
  readonly evaluations: number;
};

// setImmediate where there is one (Node), else a zero timeout (browsers).
const defer: (callback: () => void) => void = typeof setImmediate === "function" ? setImmediate : (callback) => setTimeout(callback, 0);

/** The coalition of every player. */
export function grandCoalition(size: number): bigint {
  return (1n << BigInt(size)) - 1n;
}

/**
 * W_S[k] = W[k] + (Σ_{i∈S} (n_i · c_i) · Δ_i[k]) / N_all, in float64 with the players in index
 * order, where N_all is the sample count of all players, not only S's. So coalitions share
 * one scale, the grand coalition is the FedAvg step of the capped deltas (c_i is the
 * player's `scale`, 1 by default), and a zero update leaves every sub-model bit-identical
 * (its marginal contribution is exactly 0).
 */
export function createCoalitionGame(p: { global: Float64Array; players: readonly Player[]; utility: ValidationUtility }): CoalitionGame {
  const { global, players, utility } = p;
  const totalSamples = players.reduce((sum, player) => sum + player.numSamples, 0);
  const cache = new Map<bigint, number>();
  const subModel = new Float64Array(global.length);
  const accumulator = new Float64Array(global.length);
  return {
    size: players.length,
    get evaluations() {
      return cache.size;
    },
    has: (coalition) => cache.has(coalition),
    async value(coalition) {
      const cached = cache.get(coalition);
      if (cached !== undefined) return cached;
      // One evaluation is a forward pass over the validation set: let I/O in between.
      await new Promise<void>((resolve) => defer(resolve));
      accumulator.fill(0);
      players.forEach((player, i) => {
        if (((coalition >> BigInt(i)) & 1n) === 0n) return;
        const { delta } = player;
        const weight = player.numSamples * (player.scale ?? 1);
        for (let k = 0; k < accumulator.length; k++) accumulator[k] = (accumulator[k] as number) + weight * (delta[k] as number);
      });
      for (let k = 0; k < subModel.length; k++) {
        subModel[k] = totalSamples > 0 ? (global[k] as number) + (accumulator[k] as number) / totalSamples : (global[k] as number);
      }
      const value = utility(subModel);
      cache.set(coalition, value);
      return value;
    },
  };
}
