import { upperMedian } from "@fedledger/client-sdk";
import type { UpdateRow } from "../stores/stateStore.ts";
import { leaveOut, type RoundFilterContext } from "./leaveOut.ts";
import { storedNorm } from "./updateDistances.ts";

/**
 * The default norm bound: an update whose L2 norm exceeds `outlierNormMultiple` times the
 * median norm of the round's accepted updates is left out before aggregation (excluded
 * as NORM_EXCEEDED, logged and counted). With an honest majority the median is an honest
 * norm, so a scaled or float32-range update cannot dominate the mean. The median is the
 * upper median, so with an even count ties go to the larger norm and two updates never
 * exclude each other (which of two is honest cannot be told from norms; the loss check
 * decides then).
 */
export async function leaveOutNormOutliers(
  ctx: RoundFilterContext,
  round: number,
  updates: readonly UpdateRow[],
): Promise<UpdateRow[]> {
  const multiple = ctx.safety.outlierNormMultiple;
  if (multiple === null || updates.length < 3) return [...updates];
  const norms = await Promise.all(updates.map((u) => storedNorm(ctx.updates, u)));
  const median = upperMedian(norms);
  if (!(median > 0)) return [...updates];
  const bound = multiple * median;
  return updates.filter((u, i) => {
    const norm = norms[i] as number;
    if (norm <= bound) return true;
    leaveOut(ctx, round, u.participant, "NORM_EXCEEDED", "update left out: its norm is an outlier", { norm, medianNorm: median, bound });
    return false;
  });
}
