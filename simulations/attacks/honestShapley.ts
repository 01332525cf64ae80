import type { Address, Hex } from "viem";
import { createCoalitionGame, decodeWeights, exactShapley, type LayerSpec, type ValidationUtility, type Weights } from "@fedledger/client-sdk";

/** An honest participant's acknowledged update of one round. */
export type HonestSubmission = { participant: Address; round: number; updateHash: Hex; numSamples: number };

const flatten = (layers: Weights): Float32Array => {
  const out = new Float32Array(layers.reduce((n, l) => n + l.length, 0));
  let offset = 0;
  for (const layer of layers) {
    out.set(layer, offset);
    offset += layer.length;
  }
  return out;
};

/**
 * Each honest participant's exact Shapley value (over all 2^h coalitions of the round's
 * honest updates, the SDK's exactShapley), summed over the rounds: the reference its
 * rewards are ranked against. Each round's game is the scorers' own (createCoalitionGame:
 * sub-models are the base model plus the coalition's sample-weighted deltas over the
 * honest sample total) with the coordinator's validation utility, so it measures what an
 * update is worth, whatever the strategy or scorer paid for it.
 */
export async function honestShapleyTotals(p: {
  layout: readonly LayerSpec[];
  utility: ValidationUtility;
  /** The base model of each round. */
  globals: ReadonlyMap<number, Weights>;
  submissions: readonly HonestSubmission[];
  fetch: (hash: Hex) => Promise<Uint8Array>;
}): Promise<Map<Address, number>> {
  const totals = new Map<Address, number>();
  const rounds = [...new Set(p.submissions.map((s) => s.round))].sort((a, b) => a - b);
  for (const round of rounds) {
    const base = p.globals.get(round);
    if (!base) continue;
    const players = p.submissions.filter((s) => s.round === round);
    const deltas = await Promise.all(players.map(async (s) => flatten(decodeWeights(await p.fetch(s.updateHash), p.layout).weights)));
    const game = createCoalitionGame({
      global: Float64Array.from(flatten(base)),
      players: players.map((s, i) => ({ delta: deltas[i] as Float32Array, numSamples: s.numSamples })),
      utility: p.utility,
    });
    const values = await exactShapley(game);
    players.forEach((s, i) => totals.set(s.participant, (totals.get(s.participant) ?? 0) + (values[i] as number)));
  }
  return totals;
}
