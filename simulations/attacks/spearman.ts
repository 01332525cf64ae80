/** Ranks from 1, ties sharing their mean rank. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const out = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && (order[end + 1] as { value: number }).value === (order[start] as { value: number }).value) end++;
    for (let k = start; k <= end; k++) out[(order[k] as { index: number }).index] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return out;
}

/**
 * Spearman's rank correlation: Pearson's r of the ranks (ties get their mean rank).
 * Null when it is undefined: fewer than two values, or one side constant.
 */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new Error("spearman needs two lists of one length");
  if (x.length < 2) return null;
  const rx = ranks(x);
  const ry = ranks(y);
  const mean = (rx.length + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  rx.forEach((a, i) => {
    const b = ry[i] as number;
    sxy += (a - mean) * (b - mean);
    sxx += (a - mean) ** 2;
    syy += (b - mean) ** 2;
  });
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}
