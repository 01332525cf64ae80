// FedAvg aggregation kernel (weightedDeltaAverage): N updates of P float32 parameters.
//
// mode "memory": the updates sit in a memory UpdateSource (a wasm arena, so the SIMD
// kernel reads them in place); mode "store": they were written beforehand (not timed) as
// float32 sidecar files of a store UpdateSource in a temp dir and are streamed back with
// positioned reads; they are still in the page cache then, so this measures the read
// syscalls and copies, not the disk.
//
// seconds: median of REPEATS timed runs after one warm-up, each allocating its output as
// FedAvg does (for a 40 MB output that alone is ~20 ms of page faults and GC on the dev VM;
// stderr also shows the time with a reused output). gbPerSec = n·p·4 / seconds / 1e9.
//
// extraMemoryModels: peak extra memory during aggregation / (p·4). Measured in a separate,
// untimed run: a 1 ms interval calls gc() and samples process.memoryUsage()
// `external + heapUsed` (external counts ArrayBuffers and wasm memories; rss would miss
// untouched pages of the output). The kernel yields to the event loop at least every 4 ms,
// so the interval fires during the run; one more sample is taken when it returns, with the
// output still alive. That measured peak is cross-checked (stderr) against the analytic
// figure, output + plan.scratchBytes, and the larger of the two is reported: the kernel
// reuses scratch across calls (a pooled wasm arena), which a before/after difference would
// otherwise not see. gc() comes from --expose-gc when given, else is enabled at runtime
// (v8.setFlagsFromString + vm), so the plain runner command works.
//
// BENCH_AGG_BACKEND=js selects the scalar JavaScript kernel instead of wasm SIMD.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Hex } from "viem";
import { createMemoryUpdateSource, createStoreUpdateSource } from "../../coordinator/src/stores/updateSources.ts";
import {
  type AggregationBackend,
  planWeightedDeltaAverage,
  weightedDeltaAverage,
  type WeightedDeltaAverageParameters,
} from "../../coordinator/src/strategies/aggregate/weightedDeltaAverage.ts";
import type { UpdateSource } from "../../coordinator/src/strategies/Strategy.ts";

const CASES = [
  { n: 10, p: 1_000_000 },
  { n: 100, p: 1_000_000 },
  { n: 10, p: 10_000_000 },
] as const;
const MODES = ["memory", "store"] as const;
const REPEATS = 7;

type Case = { n: number; p: number; mode: string; seconds: number; gbPerSec: number; extraMemoryModels: number };

function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** Deterministic pseudo-random update values (xorshift32), small like real deltas. */
function fillUpdate(into: Float32Array, seed: number): void {
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let k = 0; k < into.length; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    into[k] = ((x >>> 0) / 4294967296 - 0.5) * 0.02;
  }
}

function hashOf(i: number): Hex {
  return `0x${i.toString(16).padStart(64, "0")}`;
}

function usage(): number {
  const m = process.memoryUsage();
  return m.external + m.heapUsed;
}

async function settle(gc: () => void): Promise<void> {
  // Backing stores of collected buffers (and wasm memories) are released asynchronously:
  // let that finish so it does not show up as negative "extra" memory during the run.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function peakExtraBytes(gc: () => void, parameters: WeightedDeltaAverageParameters): Promise<number> {
  await settle(gc);
  const baseline = usage();
  let peak = 0;
  const sample = (): void => {
    gc();
    peak = Math.max(peak, usage() - baseline);
  };
  const timer = setInterval(sample, 1);
  const out = await weightedDeltaAverage(parameters);
  sample(); // output still referenced here
  clearInterval(timer);
  if (out.length !== parameters.source.parameterCount) throw new Error("bad output");
  return peak;
}

async function timeRuns(parameters: WeightedDeltaAverageParameters): Promise<number> {
  await weightedDeltaAverage(parameters); // warm-up
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = process.hrtime.bigint();
    await weightedDeltaAverage(parameters);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

async function prepare(
  mode: (typeof MODES)[number],
  n: number,
  p: number,
  dir: string,
): Promise<{ source: UpdateSource; close: () => Promise<void> }> {
  const scratch = new Float32Array(p);
  if (mode === "memory") {
    const source = createMemoryUpdateSource(p);
    for (let i = 0; i < n; i++) {
      fillUpdate(scratch, i + 1);
      source.add(hashOf(i), scratch);
    }
    return { source, close: async () => undefined };
  }
  const source = createStoreUpdateSource(dir, p);
  for (let i = 0; i < n; i++) {
    fillUpdate(scratch, i + 1);
    await source.put(hashOf(i), [scratch]);
  }
  return { source, close: () => source.close() };
}

export async function run(): Promise<Record<string, unknown>> {
  const gc = exposeGc();
  const backend: AggregationBackend = process.env["BENCH_AGG_BACKEND"] === "js" ? "js" : "wasm";
  const cases: Case[] = [];
  for (const { n, p } of CASES) {
    for (const mode of MODES) {
      const dir = mkdtempSync(join(tmpdir(), "fedledger-bench-aggregate-"));
      try {
        const { source, close } = await prepare(mode, n, p, dir);
        const global = new Float32Array(p);
        fillUpdate(global, 0);
        const results = Array.from({ length: n }, (_, i) => ({ updateHash: hashOf(i), numSamples: 100 + ((i * 37) % 900) }));
        const parameters: WeightedDeltaAverageParameters = { global, results, source, backend };
        const plan = planWeightedDeltaAverage(parameters);
        const measured = await peakExtraBytes(gc, parameters);
        const analytic = p * 4 + plan.scratchBytes;
        const seconds = await timeRuns(parameters);
        // For information (stderr): the same without allocating the output each run.
        const reusedSeconds = await timeRuns({ ...parameters, output: new Float32Array(p) });
        await close();
        const modelBytes = p * 4;
        process.stderr.write(
          `n=${n} p=${p} ${mode}: ${(seconds * 1e3).toFixed(1)} ms, ${((n * p * 4) / seconds / 1e9).toFixed(2)} GB/s ` +
            `(output reused: ${(reusedSeconds * 1e3).toFixed(1)} ms, ${((n * p * 4) / reusedSeconds / 1e9).toFixed(2)} GB/s); ` +
            `extra memory measured ${(measured / modelBytes).toFixed(3)}, analytic ${(analytic / modelBytes).toFixed(3)} models; ` +
            `plan ${JSON.stringify(plan)}\n`,
        );
        cases.push({
          n,
          p,
          mode,
          seconds: Number(seconds.toFixed(6)),
          gbPerSec: Number(((n * p * 4) / seconds / 1e9).toFixed(3)),
          extraMemoryModels: Number((Math.max(measured, analytic) / modelBytes).toFixed(3)),
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      gc();
    }
  }
  return { cases };
}
