// 12,000 seeded malformed frames and payloads against a real coordinator (in its own
// process) while two honest participants keep training: raw WebSockets speaking
// engine.io v4 by hand, logged-in raw socket.io clients, raw TCP and engine.io polling.
// Reports messages sent, coordinator crashes, malformed inputs acknowledged as valid,
// the coordinator's RSS growth (after a full GC, before and after) and the rounds
// recorded on-chain. Details (codes seen, unanswered calls) go to stderr.
import { fuzzCoordinator } from "../adversarial/fuzzRun.ts";
import { startFuzzTarget } from "../adversarial/fuzzTarget.ts";
import type { BenchOptions } from "./run.ts";

const MESSAGES = 12_000;
const SEED = 1;

export async function run(options: BenchOptions = {}): Promise<Record<string, unknown>> {
  const target = await startFuzzTarget(options.dir ? { dir: options.dir } : {});
  try {
    const result = await fuzzCoordinator(target, { seed: SEED, count: MESSAGES, onProgress: (n) => process.stderr.write(`sent ${n}\n`) });
    const { report, before, after } = result;
    const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));
    process.stderr.write(
      `${JSON.stringify(
        {
          seconds: Number(result.seconds.toFixed(1)),
          byClass: report.byClass,
          codes: report.codes,
          badCodes: report.badCodes.slice(0, 20),
          acceptedBad: report.acceptedBad.slice(0, 20),
          unanswered: report.unanswered,
          hangs: report.hangs.slice(0, 20),
          serverErrors: report.serverErrors.slice(0, 20),
          closedByServer: report.closedByServer,
          refusedConnections: report.refusedConnections,
          memoryMb: { before: { rss: mb(before.rss), heap: mb(before.heapUsed), external: mb(before.external) }, after: after && { rss: mb(after.rss), heap: mb(after.heapUsed), external: mb(after.external) } },
          prototypePolluted: after?.polluted,
          coordinatorErrors: target.errors(),
          engineStops: target.engineStops(),
        },
        null,
        1,
      )}\n`,
    );
    return {
      messages: report.messages,
      crashes: target.crashes(),
      acceptedBad: report.acceptedBad.length,
      rssGrowthMb: after ? mb(after.rss - before.rss) : null,
      honestRoundsRecorded: await target.latestRound(),
    };
  } finally {
    await target.close();
  }
}
