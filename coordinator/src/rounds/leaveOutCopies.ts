import { gramMatrix } from "../strategies/aggregate/gramMatrix.ts";
import type { UpdateRow } from "../stores/stateStore.ts";
import { leaveOut, type RoundFilterContext } from "./leaveOut.ts";

/**
 * Leaves out every update that is a copy of another one in the round (COPIED_UPDATE): the
 * same update hash, or a cosine similarity of at least `safety.copyCosine` (a copy with a
 * few bits changed). An update is the product of training on private data, which nobody
 * else sees before the round closes, so two independent institutions never send the same
 * direction; a copy is one party's work (or none, e.g. shared zero updates, or ALIE's
 * colluders) under several identities. All copies go, not all but one: which identity
 * did the work cannot be told, and keeping one would still pay the group. Updates are not
 * shown to anyone before the round is recorded, so an honest update cannot be framed by a
 * copy made from it.
 *
 * The cosines come from the round's Gram matrix (the normative arithmetic of gramMatrix);
 * two all-zero updates are copies (same hash).
 */
export async function leaveOutCopies(
  ctx: RoundFilterContext,
  round: number,
  updates: readonly UpdateRow[],
): Promise<UpdateRow[]> {
  const threshold = ctx.safety.copyCosine;
  if (threshold === null || updates.length < 2) return [...updates];
  const copies = new Set<number>();
  const n = updates.length;
  const gram = await gramMatrix({ hashes: updates.map((u) => u.updateHash), source: ctx.updates });
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const same = updates[i]?.updateHash.toLowerCase() === updates[j]?.updateHash.toLowerCase();
      const scale = Math.sqrt((gram[i * n + i] as number) * (gram[j * n + j] as number));
      if (same || (scale > 0 && (gram[i * n + j] as number) / scale >= threshold)) {
        copies.add(i);
        copies.add(j);
      }
    }
  }
  return updates.filter((u, i) => {
    if (!copies.has(i)) return true;
    leaveOut(ctx, round, u.participant, "COPIED_UPDATE", "update left out: it copies another update of the round", { updateHash: u.updateHash });
    return false;
  });
}
