// Aggregation: N updates of P float32 parameters. "fedavg" cases time FedAvg's kernel
// (weightedDeltaAverage); the robust strategies ("median", "trimmed-mean", "multi-krum") time
// the strategy's whole aggregateFit, built through the registry (for Multi-Krum: the Gram
// matrix pass, the selection, and the average of the kept updates).
//
// mode "memory": the updates sit in a memory UpdateSource (plain Float32Arrays, copied
// chunk by chunk into the kernel's scratch); mode "store": they were written beforehand (not timed) as a
// coordinator writes them, signed-object encodings in a content store in a temp dir, and
// are streamed back out of those objects with positioned reads (the object update source);
// they are still in the page cache then, so this measures the read syscalls and copies,
// not the disk.
//
// seconds: median of REPEATS timed runs after one warm-up, each allocating its output as
// FedAvg does (for a 40 MB output that alone is ~20 ms of page faults and GC on the dev VM;
// stderr also shows the time with a reused output). gbPerSec = n·p·4 / seconds / 1e9.
//
// extraMemoryModels: peak extra memory during aggregation / (p·4); extraMemoryInputs: the
// same over the inputs (n·p·4 bytes). Measured in a separate,
// untimed run: a 1 ms interval calls gc() and samples process.memoryUsage()
// `external + heapUsed` (external counts ArrayBuffers and wasm memories; rss would miss
// untouched pages of the output). The kernel yields to the event loop at least every 4 ms,
// so the interval fires during the run; one more sample is taken when it returns, with the
// output still alive. That measured peak is cross-checked (stderr) against the analytic
// figure, output + the kernels' planned scratch, and the larger of the two is reported: the
// kernels reuse scratch across calls (pooled wasm arenas), which a before/after difference
// would otherwise not see. gc() comes from --expose-gc when given, else is enabled at runtime
// (v8.setFlagsFromString + vm), so the plain runner command works.
//
// BENCH_AGG_BACKEND=js selects the scalar JavaScript kernel instead of wasm SIMD.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Hex } from "viem";
import { createStrategy, type StrategyConfig, strategyConfigSchema, type UpdateSource } from "@fedledger/coordinator";
import { encodeWeights, parseWeightsFrame } from "@fedledger/client-sdk";
import { createDirectoryContentStore } from "../../coordinator/src/stores/contentStore.ts";
import { createObjectUpdateSource } from "../../coordinator/src/stores/objectUpdateSource.ts";
import { createMemoryUpdateSource } from "../../coordinator/src/stores/updateSources.ts";
import {
  type AggregationBackend,
  planWeightedDeltaAverage,
  weightedDeltaAverage,
  type WeightedDeltaAverageParameters,
} from "../../coordinator/src/strategies/aggregate/weightedDeltaAverage.ts";
import { gramScratchBytes } from "../../coordinator/src/strategies/aggregate/gramMatrix.ts";
import { keptRanksScratchBytes } from "../../coordinator/src/strategies/aggregate/orderStatistics.ts";

type Setup = { strategy: StrategyConfig; n: number; p: number };

const CASES: readonly Setup[] = [
  { strategy: { name: "fedavg" }, n: 10, p: 1_000_000 },
  { strategy: { name: "fedavg" }, n: 100, p: 1_000_000 },
  { strategy: { name: "fedavg" }, n: 10, p: 10_000_000 },
  { strategy: strategyConfigSchema.parse({ name: "median" }), n: 100, p: 1_000_000 },
  { strategy: strategyConfigSchema.parse({ name: "trimmed-mean", beta: 0.1 }), n: 100, p: 1_000_000 },
  { strategy: strategyConfigSchema.parse({ name: "multi-krum", f: 10, m: 90 }), n: 100, p: 1_000_000 },
];
const MODES = ["memory", "store"] as const;
const REPEATS = 7;
const ROBUST_REPEATS = 5;

type Case = {
  strategy: string;
  n: number;
  p: number;
  mode: string;
  seconds: number;
  gbPerSec: number;
  extraMemoryModels: number;
  extraMemoryInputs: number;
};

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

/** One aggregation; resolves with its output's parameter count. */
type Run = () => Promise<number>;

async function peakExtraBytes(gc: () => void, run: Run, p: number): Promise<number> {
  await settle(gc);
  const baseline = usage();
  let peak = 0;
  const sample = (): void => {
    gc();
    peak = Math.max(peak, usage() - baseline);
  };
  const timer = setInterval(sample, 1);
  const length = await run();
  sample(); // output still referenced by the run until it returned; sampled just after
  clearInterval(timer);
  if (length !== p) throw new Error("bad output");
  return peak;
}

async function timeRuns(run: Run, repeats: number): Promise<number> {
  await run(); // warm-up
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** Planned working memory besides the output, per strategy (the kernels' own plans). */
function analyticScratch(setup: Setup, fedAvgScratch: number): number {
  const { strategy, n, p } = setup;
  if (strategy.name === "median" || strategy.name === "trimmed-mean") return keptRanksScratchBytes(n, p);
  if (strategy.name === "multi-krum") return Math.max(gramScratchBytes(n, p), fedAvgScratch);
  return fedAvgScratch;
}

async function prepare(
  mode: (typeof MODES)[number],
  n: number,
  p: number,
  dir: string,
): Promise<{ source: UpdateSource; hashes: Hex[]; close: () => Promise<void> }> {
  const scratch = new Float32Array(p);
  if (mode === "memory") {
    const source = createMemoryUpdateSource(p);
    for (let i = 0; i < n; i++) {
      fillUpdate(scratch, i + 1);
      source.add(hashOf(i), scratch);
    }
    return { source, hashes: Array.from({ length: n }, (_, i) => hashOf(i)), close: async () => undefined };
  }
  const layout = [{ name: "flat", shape: [p] }];
  const content = createDirectoryContentStore(dir);
  const source = createObjectUpdateSource(content, layout);
  const hashes: Hex[] = [];
  for (let i = 0; i < n; i++) {
    fillUpdate(scratch, i + 1);
    const bytes = encodeWeights([scratch], layout);
    const hash = await content.put(bytes);
    source.locate(hash, parseWeightsFrame(bytes, layout));
    hashes.push(hash);
  }
  return { source, hashes, close: () => source.close() };
}

export async function run(): Promise<Record<string, unknown>> {
  const gc = exposeGc();
  const backend: AggregationBackend = process.env["BENCH_AGG_BACKEND"] === "js" ? "js" : "wasm";
  const cases: Case[] = [];
  for (const setup of CASES) {
    const { n, p } = setup;
    for (const mode of MODES) {
      const dir = mkdtempSync(join(tmpdir(), "fedledger-bench-aggregate-"));
      try {
        const { source, hashes, close } = await prepare(mode, n, p, dir);
        const global = new Float32Array(p);
        fillUpdate(global, 0);
        const results = hashes.map((updateHash, i) => ({ updateHash, numSamples: 100 + ((i * 37) % 900) }));
        const parameters: WeightedDeltaAverageParameters = { global, results, source, backend };
        const plan = planWeightedDeltaAverage(parameters);
        const fedAvg = setup.strategy.name === "fedavg";
        let run: Run;
        if (fedAvg) {
          run = async () => (await weightedDeltaAverage(parameters)).length;
        } else {
          const layout = [{ name: "flat", shape: [p] }];
          const strategy = createStrategy(setup.strategy, { layout, initialWeights: [global], fractionFit: 1, minFitClients: n, minAvailableClients: n });
          const fitResults = results.map((r, i) => ({ ...r, participant: `0x${(i + 1).toString(16).padStart(40, "0")}` as const }));
          run = async () => {
            const { weights } = await strategy.aggregateFit({ round: 1, layout, global: [global], results: fitResults, failures: [], source });
            return weights.reduce((count, layer) => count + layer.length, 0);
          };
        }
        const measured = await peakExtraBytes(gc, run, p);
        const analytic = p * 4 + analyticScratch(setup, plan.scratchBytes);
        const seconds = await timeRuns(run, fedAvg ? REPEATS : ROBUST_REPEATS);
        // For information (stderr): FedAvg's kernel without allocating the output each run.
        const reusedSeconds = fedAvg ? await timeRuns(async () => (await weightedDeltaAverage({ ...parameters, output: new Float32Array(p) })).length, REPEATS) : seconds;
        await close();
        const modelBytes = p * 4;
        const extra = Math.max(measured, analytic);
        process.stderr.write(
          `${setup.strategy.name} n=${n} p=${p} ${mode}: ${(seconds * 1e3).toFixed(1)} ms, ${((n * p * 4) / seconds / 1e9).toFixed(2)} GB/s ` +
            (fedAvg ? `(output reused: ${(reusedSeconds * 1e3).toFixed(1)} ms, ${((n * p * 4) / reusedSeconds / 1e9).toFixed(2)} GB/s); ` : "; ") +
            `extra memory measured ${(measured / modelBytes).toFixed(3)}, analytic ${(analytic / modelBytes).toFixed(3)} models ` +
            `(${(extra / (n * modelBytes)).toFixed(3)} of the inputs)` +
            (fedAvg ? `; plan ${JSON.stringify(plan)}` : "") +
            "\n",
        );
        cases.push({
          strategy: setup.strategy.name,
          n,
          p,
          mode,
          seconds: Number(seconds.toFixed(6)),
          gbPerSec: Number(((n * p * 4) / seconds / 1e9).toFixed(3)),
          extraMemoryModels: Number((extra / modelBytes).toFixed(3)),
          extraMemoryInputs: Number((extra / (n * modelBytes)).toFixed(3)),
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      gc();
    }
  }
  return { cases };
}
