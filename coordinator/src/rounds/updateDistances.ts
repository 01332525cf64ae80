import type { UpdateSource } from "../strategies/Strategy.ts";
import { updateNorm } from "../strategies/normClipping.ts";
import type { UpdateRow } from "../stores/stateStore.ts";

/** Parameters read per update and pass: bounds memory to updates × CHUNK floats. */
const CHUNK = 16_384;

/** The update's L2 norm as stored at its ack, or computed from the store for older rows. */
export async function storedNorm(source: UpdateSource, update: Pick<UpdateRow, "updateHash" | "norm">): Promise<number> {
  return update.norm ?? updateNorm(source, update.updateHash);
}

/**
 * The update to leave out first when the aggregate fails validation: the one farthest
 * (L2) from the coordinate-wise median of the updates, ties to the larger norm. With two
 * updates both are equally far from their median, so it is the larger norm. Returns its
 * index in `updates`.
 */
export async function farthestUpdate(source: UpdateSource, updates: readonly Pick<UpdateRow, "updateHash" | "norm">[]): Promise<number> {
  const norms = await Promise.all(updates.map((u) => storedNorm(source, u)));
  const distances = updates.length > 2 ? await distancesFromMedian(source, updates) : norms.map(() => 0);
  let best = 0;
  for (let i = 1; i < updates.length; i++) {
    const d = distances[i] as number;
    const top = distances[best] as number;
    if (d > top || (d === top && (norms[i] as number) > (norms[best] as number))) best = i;
  }
  return best;
}

/** Squared L2 distance of each update from the coordinate-wise median (mean of the middle two for an even count). */
async function distancesFromMedian(source: UpdateSource, updates: readonly Pick<UpdateRow, "updateHash">[]): Promise<number[]> {
  const m = updates.length;
  const P = source.parameterCount;
  const buffers = updates.map(() => new Float32Array(Math.min(CHUNK, P)));
  const column = new Float64Array(m);
  const distances = new Array<number>(m).fill(0);
  for (let start = 0; start < P; start += CHUNK) {
    const length = Math.min(CHUNK, P - start);
    await Promise.all(updates.map((u, i) => source.read(u.updateHash, start, (buffers[i] as Float32Array).subarray(0, length))));
    for (let k = 0; k < length; k++) {
      for (let i = 0; i < m; i++) column[i] = (buffers[i] as Float32Array)[k] as number;
      column.sort();
      const median = m % 2 === 1 ? (column[m >> 1] as number) : ((column[m / 2 - 1] as number) + (column[m / 2] as number)) / 2;
      for (let i = 0; i < m; i++) distances[i] = (distances[i] as number) + (((buffers[i] as Float32Array)[k] as number) - median) ** 2;
    }
  }
  return distances;
}
