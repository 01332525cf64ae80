import { capPlayerNorms, createCoalitionGame, leaveOneOut, type ValidationUtility, type Weights } from "@fedledger/client-sdk";
import type { UpdateSource } from "../strategies/Strategy.ts";
import type { UpdateRow } from "../stores/stateStore.ts";
import type { EngineContext } from "./engineContext.ts";
import { leaveOut } from "./leaveOut.ts";

/**
 * The validation gate: the round's model must be better on the coordinator's validation
 * data with each update than without it. An update's gain is its leave-one-out value
 * v(N) − v(N \ {i}) in the contribution game the scorers use (the SDK's
 * createCoalitionGame: the base plus the FedAvg step of the deltas capped at the round's
 * median norm, over every update's samples), so it costs n + 1 forward passes. An update
 * with no gain (≤ 0) is left out (NO_VALIDATED_GAIN) before aggregation: sign-flipped,
 * label-flipped, noise and zero updates make the round's model worse or leave it as it
 * was, and a validated-contribution federation neither averages nor pays them.
 *
 * Leave-one-out, not the update alone (v({i}) − v(∅)): on label-skewed data one
 * institution's step alone pulls the model toward its own classes and often raises the
 * loss on everyone's data, while within the round's average it helps; measured on the
 * attack simulation, the alone-test left most honest updates out from round 6 on.
 *
 * Never below the quorum: if fewer than `minFitClients` updates gain, the best of the
 * rest (highest gain, then canonical order; an incomputable gain last) are kept up to it,
 * so a round near convergence, where honest steps stop helping one by one, still records.
 */
export async function leaveOutNoGain(
  ctx: Pick<EngineContext, "state" | "logger" | "metrics" | "settings"> & { updates: UpdateSource },
  p: { round: number; global: Weights; utility: ValidationUtility },
  updates: readonly UpdateRow[],
): Promise<UpdateRow[]> {
  if (updates.length === 0) return [];
  const deltas = await Promise.all(
    updates.map(async (u) => {
      const delta = new Float32Array(ctx.updates.parameterCount);
      await ctx.updates.read(u.updateHash, 0, delta);
      return delta;
    }),
  );
  const scales = capPlayerNorms(deltas);
  const global = new Float64Array(ctx.updates.parameterCount);
  let offset = 0;
  for (const layer of p.global) {
    global.set(layer, offset);
    offset += layer.length;
  }
  const game = createCoalitionGame({
    global,
    players: updates.map((u, i) => ({ delta: deltas[i] as Float32Array, numSamples: u.numSamples, scale: scales[i] as number })),
    utility: p.utility,
  });
  // A model pushed out of float range evaluates to NaN: that gain ranks below every other.
  const gains = (await leaveOneOut(game)).map((gain) => (Number.isNaN(gain) ? -Infinity : gain));
  const failing = updates.map((_, i) => i).filter((i) => !((gains[i] as number) > 0));
  const readmitted = new Set(
    [...failing].sort((a, b) => (gains[b] as number) - (gains[a] as number) || a - b).slice(0, Math.max(0, ctx.settings.minFitClients - (updates.length - failing.length))),
  );
  return updates.filter((u, i) => {
    if (!failing.includes(i)) return true;
    if (readmitted.has(i)) {
      ctx.logger.warn({ round: p.round, participant: u.participant, gain: gains[i] }, "update kept without a validated gain: the quorum needs it");
      return true;
    }
    leaveOut(ctx, p.round, u.participant, "NO_VALIDATED_GAIN", "update left out: alone it does not improve the model on the validation data", { gain: gains[i] });
    return false;
  });
}
