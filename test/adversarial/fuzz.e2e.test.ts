import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "@fedledger/client-sdk";
import { type FuzzRun, fuzzCoordinator } from "./fuzzRun.ts";
import { type FuzzTarget, startFuzzTarget } from "./fuzzTarget.ts";

const MB = 2 ** 20;
/**
 * RSS may grow by this much (measured: 75-100 MB, for 2,000 messages as for 12,000).
 * Two things raise it and then level off: the coordinator's own warm-up over the rounds
 * that run meanwhile (about 50 MB in its first few dozen rounds, with no attack at all),
 * and freed large frames (up to 3 MB each) that stay in the allocator's arenas. Growth
 * that went on with the message count would cross it in the benchmark's 12,000.
 */
const RSS_BOUND_MB = 160;
/** The live JS heap after a full GC (measured: within 5 MB); retained objects per message would show here first. */
const HEAP_BOUND_MB = 24;

// A real coordinator in its own process, a real chain, two honest SDK participants
// training throughout; 2,000 seeded malformed frames and payloads from raw WebSockets,
// logged-in raw socket.io clients, raw TCP and polling (the benchmark sends 12,000).
describe("the coordinator under seeded malformed traffic", () => {
  let target: FuzzTarget;
  let run: FuzzRun;

  beforeAll(async () => {
    target = await startFuzzTarget();
    run = await fuzzCoordinator(target, { seed: 2_026, count: 2_000 });
  }, 120_000);

  afterAll(async () => {
    await target?.close();
  });

  it("stays up and never accepts bad input", () => {
    expect(run.report.messages).toBe(2_000);
    expect(target.crashes()).toBe(0);
    expect(target.engineStops()).toEqual([]);
    expect(target.errors()).toEqual([]);
    expect(run.report.acceptedBad).toEqual([]);
    expect(run.after?.polluted).toBe(false);
  });

  it("answers every refusal with a code from the closed set, and every probe", () => {
    expect(run.report.badCodes).toEqual([]);
    expect(Object.keys(run.report.codes).every((code) => (ERROR_CODES as readonly string[]).includes(code))).toBe(true);
    expect(run.report.codes.INVALID_PAYLOAD).toBeGreaterThan(0);
    expect(run.report.hangs).toEqual([]);
    expect(run.report.serverErrors).toEqual([]);
    // Every event that carries an ack is answered, with a typed code (invariant 7).
    expect(run.report.unanswered).toEqual({});
  });

  it("keeps its memory bounded", () => {
    expect((run.after!.rss - run.before.rss) / MB).toBeLessThan(RSS_BOUND_MB);
    expect((run.after!.heapUsed - run.before.heapUsed) / MB).toBeLessThan(HEAP_BOUND_MB);
  });

  it("records honest rounds during the attack, and after a restart on the same storage", async () => {
    expect(run.roundsAfter).toBeGreaterThan(run.roundsBefore);
    await target.restart();
    // Read after the restart: the old process may have recorded one more round while closing.
    const resumed = await target.latestRound();
    expect(await target.waitForRound(resumed + 1)).toBeGreaterThan(resumed);
    expect(target.crashes()).toBe(0);
  }, 90_000);
});
