import { runFuzz } from "./fuzzDriver.ts";
import { generateFuzzCases } from "./fuzzCases.ts";
import type { FuzzReport } from "./fuzzReport.ts";
import type { FuzzTarget, Memory } from "./fuzzTarget.ts";

export type FuzzRun = {
  report: FuzzReport;
  seconds: number;
  /** The coordinator's memory after two GCs, before and after the cases (after is absent if it went down). */
  before: Memory;
  after: Memory | undefined;
  /** Rounds on the ledger when the cases started and when they ended. */
  roundsBefore: number;
  roundsAfter: number;
};

/**
 * The fuzz run the benchmark and the CI test share: waits for one honest round (so the
 * baseline memory includes a warm engine), measures, sends `count` cases from `seed`,
 * measures again.
 */
export async function fuzzCoordinator(target: FuzzTarget, options: { seed: number; count: number; onProgress?: (messages: number) => void }): Promise<FuzzRun> {
  await target.waitForRound(1);
  const before = await target.memory();
  const roundsBefore = await target.latestRound();
  const cases = generateFuzzCases({ seed: options.seed, count: options.count });
  const started = performance.now();
  const report = await runFuzz({
    url: target.url,
    cases,
    identities: target.identities,
    outsider: target.outsider,
    layout: target.layout,
    shouldStop: target.isDown,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  const after = target.isDown() ? undefined : await target.memory();
  return { report, seconds, before, after, roundsBefore, roundsAfter: await target.latestRound() };
}
