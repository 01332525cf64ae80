import type { Hex } from "viem";
import { FedLedgerError, type Weights } from "@fedledger/client-sdk";
import type { UpdateSource } from "../Strategy.ts";
import { gather, globalSegments } from "./globalSegments.ts";
import { forEachSortedBlock, type RobustBackend } from "./orderStatistics.ts";
import { assertFiniteChunk } from "./weightedDeltaAverage.ts";

export type ClosestToMedianMeanParameters = {
  global: Float32Array | Weights;
  hashes: readonly Hex[];
  source: UpdateSource;
  /** How many values closest to the median each coordinate averages: 1 <= beta <= n. */
  beta: number;
  chunkSize?: number;
  backend?: RobustBackend;
};

/**
 * Bulyan's coordinate-wise rule (El Mhamdi, Guerraoui, Rouault, "The Hidden Vulnerability
 * of Distributed Learning in Byzantium", ICML 2018): each coordinate is the mean of the β
 * values closest to that coordinate's median. Normative arithmetic, per parameter k, on the
 * n values sorted ascending y_0 <= ... <= y_{n-1} (as in THE ORDER-STATISTIC ARITHMETIC),
 * in binary64:
 *
 *   M   = y_{(n-1)/2} (n odd) or (y_{n/2-1} + y_{n/2}) / 2 (n even)
 *   l = r = floor(n / 2); β times: if l = 0, or r < n and |y_r - M| < |y_{l-1} - M|, then
 *         r = r + 1, else l = l - 1          (grows the run [l, r) of the β values closest
 *                                             to M, taking the lower value on a tie)
 *   acc = +0; acc = acc + y_i for i = l, ..., r - 1
 *   out[k] = float32(g[k] + acc / β)
 */
export async function closestToMedianMean(p: ClosestToMedianMeanParameters): Promise<Float32Array> {
  const n = p.hashes.length;
  const beta = p.beta;
  if (!Number.isSafeInteger(beta) || beta < 1 || beta > n) {
    throw new FedLedgerError("INTERNAL", "beta must be an integer in [1, n]", { details: `${beta} of ${n}` });
  }
  const segments = globalSegments(p.global, p.source);
  const out = new Float32Array(p.source.parameterCount);
  const all = Array.from({ length: n }, (_, i) => i);
  const y = new Float64Array(n);
  await forEachSortedBlock(
    {
      hashes: p.hashes,
      source: p.source,
      needed: all,
      ...(p.chunkSize === undefined ? {} : { chunkSize: p.chunkSize }),
      ...(p.backend === undefined ? {} : { backend: p.backend }),
    },
    (block) => {
      const rows = all.map((r) => block.row(r));
      const g = new Float32Array(block.length);
      gather(segments, block.start, g);
      const chunk = out.subarray(block.start, block.start + block.length);
      const half = n >> 1;
      for (let k = 0; k < block.length; k++) {
        for (let r = 0; r < n; r++) y[r] = (rows[r] as Float32Array)[k] as number;
        const median = n % 2 === 1 ? (y[half] as number) : ((y[half - 1] as number) + (y[half] as number)) / 2;
        let l = half;
        let r = half;
        for (let taken = 0; taken < beta; taken++) {
          if (l === 0 || (r < n && Math.abs((y[r] as number) - median) < Math.abs((y[l - 1] as number) - median))) r++;
          else l--;
        }
        let acc = 0;
        for (let i = l; i < r; i++) acc += y[i] as number;
        chunk[k] = Math.fround((g[k] as number) + acc / beta);
      }
      assertFiniteChunk(chunk, block.start);
    },
  );
  return out;
}
