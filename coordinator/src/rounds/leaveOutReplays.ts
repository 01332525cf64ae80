import type { Hex } from "viem";
import { decodeWeights, type Weights } from "@fedledger/client-sdk";
import type { UpdateSource } from "../strategies/Strategy.ts";
import type { UpdateRow } from "../stores/stateStore.ts";
import type { EngineContext } from "./engineContext.ts";
import { leaveOut, type RoundFilterContext } from "./leaveOut.ts";

/** Parameters read per pass (1 MiB of float32). */
const CHUNK = 262_144;
/** Updates measured at once. */
const READS_IN_FLIGHT = 4;

/**
 * The federation's last step, W(r) − W(r−1) flattened in layout order (float64), from the
 * round's base and the previous round's base in the content store; undefined in round 1
 * or when the previous base is not stored.
 */
export async function lastGlobalChange(
  ctx: Pick<EngineContext, "state" | "content" | "settings">,
  round: number,
  global: Weights,
): Promise<Float64Array | undefined> {
  const previousBase: Hex | undefined = ctx.state.getRound(round - 1)?.baseModelHash;
  if (round <= 1 || !previousBase || !(await ctx.content.has(previousBase))) return undefined;
  const previous = decodeWeights(await ctx.content.get(previousBase), ctx.settings.layout).weights;
  const change = new Float64Array(global.reduce((n, layer) => n + layer.length, 0));
  let offset = 0;
  global.forEach((layer, l) => {
    const before = previous[l] as Float32Array;
    for (let k = 0; k < layer.length; k++) change[offset + k] = (layer[k] as number) - (before[k] as number);
    offset += layer.length;
  });
  return change;
}

/**
 * Leaves out an update that sends the federation's own last step back (REPLAYED_UPDATE):
 * its cosine similarity with W(r) − W(r−1) is at least `safety.replayCosine` (default
 * 0.99999: near-exact; with one honest participant its consecutive updates reach 0.996,
 * measured in test/hardening/liveness.poisoning.test.ts). Such an
 * update carries no new information (anyone who received the two models can compute it),
 * yet it lowers the validation loss (it continues the descent), so value scores alone
 * would pay it. Honest updates point along the last step only in part (their own data
 * pulls elsewhere). A free rider that mixes the replay with enough noise or its own
 * small training gets past this check and is then paid for what it adds, which the
 * value scorers measure.
 */
export async function leaveOutReplays(
  ctx: RoundFilterContext,
  round: number,
  updates: readonly UpdateRow[],
  change: Float64Array | undefined,
): Promise<UpdateRow[]> {
  const threshold = ctx.safety.replayCosine;
  if (threshold === null || !change) return [...updates];
  let changeSquares = 0;
  for (let k = 0; k < change.length; k++) changeSquares += (change[k] as number) ** 2;
  if (!(changeSquares > 0)) return [...updates];
  // A few updates at a time, so that one's reads overlap another's arithmetic; decisions in order.
  const cosines: number[] = [];
  let next = 0;
  const measureNext = async (): Promise<void> => {
    for (let i = next++; i < updates.length; i = next++) {
      cosines[i] = await cosineWith(ctx.updates, (updates[i] as UpdateRow).updateHash, change, Math.sqrt(changeSquares));
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, updates.length) }, measureNext));
  const kept: UpdateRow[] = [];
  for (const [i, u] of updates.entries()) {
    const cosine = cosines[i] as number;
    if (cosine < threshold) {
      kept.push(u);
      continue;
    }
    leaveOut(ctx, round, u.participant, "REPLAYED_UPDATE", "update left out: it sends the last global change back", { cosine });
  }
  return kept;
}

async function cosineWith(source: UpdateSource, updateHash: Hex, change: Float64Array, changeNorm: number): Promise<number> {
  const buffer = new Float32Array(Math.min(CHUNK, source.parameterCount));
  let dot = 0;
  let squares = 0;
  for (let start = 0; start < source.parameterCount; start += CHUNK) {
    const into = buffer.subarray(0, Math.min(CHUNK, source.parameterCount - start));
    await source.read(updateHash, start, into);
    for (let k = 0; k < into.length; k++) {
      const x = into[k] as number;
      dot += x * (change[start + k] as number);
      squares += x * x;
    }
  }
  return squares > 0 ? dot / (Math.sqrt(squares) * changeNorm) : 0;
}
