import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { assertSeed, mulberry32, shuffleInPlace } from "./seededRandom.ts";

export type LabelCountSplitOptions = {
  /** Number of clients (>= 1). */
  clients: number;
  /** Distinct labels each client holds (NIID-Bench's k in "#C=k"), 1 to `classes`. */
  labelsPerClient: number;
  /** Number of classes; default: the largest label + 1. */
  classes?: number;
  seed: number;
};

function checkOptions(clients: number, k: number, classes: number): void {
  if (!Number.isSafeInteger(clients) || clients < 1) {
    throw new FedLedgerError("INVALID_CONFIG", "clients must be an integer >= 1", { details: `got ${String(clients)}` });
  }
  if (!Number.isSafeInteger(classes) || classes < 1) {
    throw new FedLedgerError("INVALID_CONFIG", "classes must be an integer >= 1", { details: `got ${String(classes)}` });
  }
  if (!Number.isSafeInteger(k) || k < 1 || k > classes) {
    throw new FedLedgerError("INVALID_CONFIG", `labelsPerClient must be an integer from 1 to ${classes} (the number of classes)`, {
      details: `got ${String(k)}`,
    });
  }
}

/**
 * Sample indices per label, for `classes` labels (default: the largest label + 1).
 * INVALID_DATASET for a label that is not a non-negative integer below `classes`.
 */
function indicesByLabel(labels: ArrayLike<number>, classes: number | undefined): number[][] {
  const byLabel: number[][] = [];
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label === undefined || !Number.isSafeInteger(label) || label < 0 || (classes !== undefined && label >= classes)) {
      const range = classes === undefined ? "non-negative integers" : `integers from 0 to ${classes - 1}`;
      throw new FedLedgerError("INVALID_DATASET", `labels must be ${range}`, { details: `labels[${i}] = ${String(label)}` });
    }
    while (byLabel.length <= label) byLabel.push([]);
    (byLabel[label] as number[]).push(i);
  }
  while (byLabel.length < (classes ?? 0)) byLabel.push([]);
  return byLabel;
}

/**
 * NIID-Bench's quantity-based label skew, "#C=k" (Li et al. 2022, `noniid-#label{k}` in
 * its partition.py): client i holds label i mod classes, then k − 1 further distinct
 * labels drawn uniformly; each label's samples, shuffled, are cut into as many
 * near-equal contiguous parts as clients hold it (the first parts one larger when it does
 * not divide, as numpy's array_split), dealt to those clients in client order.
 *
 * One mulberry32 stream seeded with `seed` draws the label sets, then shuffles each
 * label's samples in ascending label order, so the result is the same on every machine
 * for the same labels, options and seed. Every sample is in at most one list: the
 * samples of a label no client holds (fewer clients than classes) are left out. Each list
 * is sorted ascending. A client's share of a label is empty only when the label has
 * fewer samples than clients holding it.
 *
 * Throws INVALID_CONFIG for bad options and INVALID_DATASET for a label outside
 * [0, classes).
 */
export function labelCountSplit(labels: ArrayLike<number>, options: LabelCountSplitOptions): number[][] {
  const { clients, labelsPerClient: k, seed } = options;
  if (options.classes !== undefined) checkOptions(clients, k, options.classes);
  const byLabel = indicesByLabel(labels, options.classes);
  const classes = byLabel.length;
  checkOptions(clients, k, classes);
  assertSeed(seed);

  const random = mulberry32(seed);
  const held: number[][] = [];
  const holders: number[][] = Array.from({ length: classes }, () => []);
  for (let client = 0; client < clients; client++) {
    const set = [client % classes];
    while (set.length < k) {
      const label = Math.floor(random() * classes);
      if (!set.includes(label)) set.push(label);
    }
    held.push(set);
  }
  // Holders of each label in client order, as NIID-Bench deals the parts.
  held.forEach((set, client) => set.forEach((label) => (holders[label] as number[]).push(client)));

  const parts: number[][] = Array.from({ length: clients }, () => []);
  byLabel.forEach((members, label) => {
    const owners = holders[label] as number[];
    if (owners.length === 0) return;
    shuffleInPlace(members, random);
    const base = Math.floor(members.length / owners.length);
    const larger = members.length % owners.length;
    let start = 0;
    owners.forEach((client, j) => {
      const end = start + base + (j < larger ? 1 : 0);
      const part = parts[client] as number[];
      for (let i = start; i < end; i++) part.push(members[i] as number);
      start = end;
    });
  });
  for (const part of parts) part.sort((a, b) => a - b);
  return parts;
}
