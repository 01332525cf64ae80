/**
 * Batcher's odd-even merge sort network for `n` inputs ("Sorting networks and their
 * applications", AFIPS 1968), as a list of comparators [i, j] with i < j, in the order
 * they apply: after each, position i holds the smaller and j the larger value. For n not
 * a power of two the network of the next power of two is used with the missing inputs
 * taken as +∞, so every comparator that touches them does nothing and is left out.
 */
export function oddEvenMergeSortNetwork(n: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let p = 1; p < n; p *= 2) {
    for (let k = p; k >= 1; k = Math.floor(k / 2)) {
      for (let j = k % p; j + k < n; j += 2 * k) {
        for (let i = 0; i < k && i + j + k < n; i++) {
          if (Math.floor((i + j) / (2 * p)) === Math.floor((i + j + k) / (2 * p))) pairs.push([i + j, i + j + k]);
        }
      }
    }
  }
  return pairs;
}

/**
 * The comparators of `network` that can change what ends up at the positions `needed`
 * (working backwards: a comparator matters if it writes a position that matters, and then
 * both its inputs matter). The result is the same at those positions, with less work.
 */
export function pruneNetwork(network: readonly (readonly [number, number])[], needed: Iterable<number>): [number, number][] {
  const live = new Set(needed);
  const kept: [number, number][] = [];
  for (let c = network.length - 1; c >= 0; c--) {
    const [i, j] = network[c] as [number, number];
    if (live.has(i) || live.has(j)) {
      kept.push([i, j]);
      live.add(i);
      live.add(j);
    }
  }
  return kept.reverse();
}
