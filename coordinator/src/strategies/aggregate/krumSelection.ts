/*
 * Krum's scores and selections from a Gram matrix (see gramMatrix.ts), in IEEE-754
 * binary64. Normative, like the Gram arithmetic:
 *
 *   d(i, j)  = max(0, (G[i][i] + G[j][j]) - 2·G[i][j])       squared distance, i != j
 *   score(i) = the k smallest d(i, j) over the other members j of the set S, added from
 *              +0 in ascending order of value, with k = |S| - f - 2 clamped to [1, |S| - 1]
 *              (Krum's n - f - 2 neighbours; the clamp keeps it defined when fewer updates
 *              than 2f + 3 arrive, as Flower does); 0 when S has one member
 *   ranking  = ascending score, ties to the lower index (the canonical participant order)
 */

/** Squared distances d(i, j) of n updates from their n × n Gram matrix (row-major). */
export function squaredDistances(gram: Float64Array, n: number): Float64Array {
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const value = (gram[i * n + i] as number) + (gram[j * n + j] as number) - 2 * (gram[i * n + j] as number);
      d[i * n + j] = value > 0 ? value : 0;
    }
  }
  return d;
}

/** Krum's score of every member of `members` (indices into the n × n distances) within that set. */
export function krumScores(distances: Float64Array, n: number, members: readonly number[], f: number): number[] {
  const size = members.length;
  const k = Math.min(size - 1, Math.max(1, size - f - 2));
  return members.map((i) => {
    if (size === 1) return 0;
    const others = Float64Array.from(
      members.filter((j) => j !== i),
      (j) => distances[i * n + j] as number,
    ).sort();
    let score = 0;
    for (let r = 0; r < k; r++) score += others[r] as number;
    return score;
  });
}

/** `members` ranked by ascending Krum score within the set, ties to the lower index. */
export function krumRanking(distances: Float64Array, n: number, members: readonly number[], f: number): number[] {
  const scores = krumScores(distances, n, members, f);
  return members
    .map((index, position) => ({ index, score: scores[position] as number }))
    .sort((a, b) => a.score - b.score || a.index - b.index)
    .map((entry) => entry.index);
}

/** Multi-Krum: the m best-ranked of all n updates, in ascending index order. */
export function multiKrumSelect(distances: Float64Array, n: number, f: number, m: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  return krumRanking(distances, n, all, f)
    .slice(0, m)
    .sort((a, b) => a - b);
}

/**
 * Bulyan's first phase: θ times, run Krum on the updates not yet chosen and move its
 * choice to the selection. Returns the selection in ascending index order.
 */
export function bulyanSelect(distances: Float64Array, n: number, f: number, theta: number): number[] {
  const remaining = Array.from({ length: n }, (_, i) => i);
  const chosen: number[] = [];
  while (chosen.length < theta && remaining.length > 0) {
    const best = krumRanking(distances, n, remaining, f)[0] as number;
    chosen.push(best);
    remaining.splice(remaining.indexOf(best), 1);
  }
  return chosen.sort((a, b) => a - b);
}
