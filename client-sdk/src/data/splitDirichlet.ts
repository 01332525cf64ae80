import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { sampleDirichlet } from "./sampleGamma.ts";
import { assertSeed, mulberry32, shuffleInPlace } from "./seededRandom.ts";

export type DirichletSplitOptions = {
  /** Number of clients (>= 1). */
  clients: number;
  /** Dirichlet concentration (> 0): small (0.1) is very non-IID, large (100) is near IID. */
  alpha: number;
  seed: number;
};

/**
 * The standard label-skew non-IID partition (Hsu et al. 2019, as in FedLab / Flower's
 * DirichletPartitioner without resampling): for each class, in ascending label order,
 * shuffle that class's sample indices, draw proportions p ~ Dirichlet(alpha, ..., alpha)
 * over the clients, and give client j the slice between floor(n * (p_0 + ... + p_{j-1}))
 * and floor(n * (p_0 + ... + p_j)) (the last client's slice ends at n).
 *
 * One mulberry32 stream seeded with `seed` drives all shuffles and gamma draws, so the
 * result is the same on every machine for the same labels, options and seed. Every sample
 * index appears in exactly one client's list; each list is sorted ascending. With a small
 * alpha some clients may get no samples at all.
 *
 * Throws INVALID_CONFIG for bad options and INVALID_DATASET for a label that is not a
 * non-negative integer.
 */
export function dirichletSplit(labels: ArrayLike<number>, { clients, alpha, seed }: DirichletSplitOptions): number[][] {
  if (!Number.isSafeInteger(clients) || clients < 1) {
    throw new FedLedgerError("INVALID_CONFIG", "clients must be an integer >= 1", { details: `got ${String(clients)}` });
  }
  if (!(Number.isFinite(alpha) && alpha > 0)) {
    throw new FedLedgerError("INVALID_CONFIG", "alpha must be a finite number > 0", { details: `got ${String(alpha)}` });
  }
  assertSeed(seed);

  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label === undefined || !Number.isSafeInteger(label) || label < 0) {
      throw new FedLedgerError("INVALID_DATASET", "labels must be non-negative integers", {
        details: `labels[${i}] = ${String(label)}`,
      });
    }
    const members = byClass.get(label);
    if (members === undefined) byClass.set(label, [i]);
    else members.push(i);
  }

  const random = mulberry32(seed);
  const alphas = new Array<number>(clients).fill(alpha);
  const parts: number[][] = Array.from({ length: clients }, () => []);
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = shuffleInPlace(byClass.get(label) ?? [], random);
    const proportions = sampleDirichlet(alphas, random);
    const n = members.length;
    let cumulative = 0;
    let start = 0;
    proportions.forEach((p, j) => {
      cumulative += p;
      const end = j === clients - 1 ? n : Math.min(n, Math.floor(cumulative * n));
      const part = parts[j] ?? [];
      for (let k = start; k < end; k++) part.push(members[k] ?? 0);
      start = Math.max(start, end);
    });
  }
  for (const part of parts) part.sort((a, b) => a - b);
  return parts;
}
