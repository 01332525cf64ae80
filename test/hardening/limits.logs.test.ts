import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundedDetails, FedLedgerError, type FitInstruction, MAX_DETAILS_LENGTH, messages } from "@fedledger/client-sdk";
import { constantUpdate, craftSubmission, type RawClient } from "../fixtures/rawClient.ts";
import { institution, tinyLayout } from "../fixtures/coordinatorHarness.ts";
import { type Federation, startFederation } from "../fixtures/federation.ts";

const JUNK = 500_000;

describe("bounded details", () => {
  it("an error's details are cut to a fixed size, saying how much was left out", () => {
    const error = new FedLedgerError("INVALID_PAYLOAD", "Malformed", { details: "x".repeat(JUNK) });
    expect(error.details).toHaveLength(MAX_DETAILS_LENGTH + ` (${JUNK - MAX_DETAILS_LENGTH} more characters)`.length + 1);
    expect(error.message.length).toBeLessThan(MAX_DETAILS_LENGTH + 100);
    expect(boundedDetails("short")).toBe("short");
  });

  it("a failed parse is described by a few short issues, whatever the input", () => {
    const issues = Array.from({ length: 10_000 }, (_, i) => ({ code: "custom" as const, path: [`${"k".repeat(1_000)}${i}`, i], message: "m".repeat(10_000), input: undefined }));
    const text = messages.describeIssues({ issues });
    expect(text.split("\n")).toHaveLength(6);
    expect(text).toContain("(9995 more)");
    expect(text.length).toBeLessThan(2_000);
  });

  it("a metrics map is at most 32 finite numbers under names of at most 64 characters", () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${i}`, i]));
    expect(messages.metricsSchema.safeParse(many(32)).success).toBe(true);
    expect(messages.metricsSchema.safeParse(many(33)).success).toBe(false);
    expect(messages.metricsSchema.safeParse({ ["k".repeat(64)]: 1 }).success).toBe(true);
    expect(messages.metricsSchema.safeParse({ ["k".repeat(65)]: 1 }).success).toBe(false);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, "1", null, [1]]) expect(messages.metricsSchema.safeParse({ loss: bad }).success).toBe(false);
    for (const bad of [[1, 2], "loss", new Uint8Array(4), null]) expect(messages.metricsSchema.safeParse(bad).success).toBe(false);
  });

  it("a huge metrics map is refused by its key count, before any entry is looked at", () => {
    const huge = Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`metric-${i}`, "x"]));
    const started = performance.now();
    const parsed = messages.metricsSchema.safeParse(huge);
    const ms = performance.now() - started;
    expect(parsed.error?.issues).toHaveLength(1);
    // Entry by entry, this took about 200 ms and produced 40,000 issues.
    expect(ms).toBeLessThan(50);
  });
});

// A real coordinator whose log goes to a counting stream; an open round; junk sent by a
// registered, selected participant.
describe("a refused junk payload costs a bounded log line and little time", () => {
  const [alice, bob] = [institution(1), institution(2)];
  let federation: Federation | undefined;
  let run: Promise<unknown>;
  let a: RawClient;
  let b: RawClient;
  let fit: FitInstruction;
  let logged = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logged += chunk.length;
      callback();
    },
  });

  beforeAll(async () => {
    const started = await startFederation({
      institutions: [alice, bob],
      join: [alice, bob],
      overrides: { rounds: { rounds: 1, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 60_000, availabilityTimeoutMs: 30_000 } },
      extra: { logger: pino({ level: "debug" }, sink) },
    });
    federation = started;
    [a, b] = started.clients;
    run = started.coordinator.run();
    fit = await a.nextFit(1);
  });

  afterAll(() => federation?.close());

  const honest = (metrics?: Record<string, number>) =>
    craftSubmission({ account: alice.account, session: a.session, fit, layout: tinyLayout, update: constantUpdate(tinyLayout, 0.01), commitment: alice.commitment }).then((s) =>
      metrics ? { ...s, metrics } : s,
    );

  it("refuses each ~0.5 MB junk field with INVALID_PAYLOAD, logging at most a couple of KB", async () => {
    const base = await honest();
    const junk: Record<string, unknown>[] = [
      { ...base, metrics: Object.fromEntries(Array.from({ length: JUNK / 12 }, (_, i) => [`metric-${i}`, "x"])) },
      { ...base, metrics: { ["k".repeat(JUNK)]: 1 } },
      { ...base, metrics: { loss: "x".repeat(JUNK) } },
      { ...base, signature: `0x${"ab".repeat(JUNK / 2)}` },
      { ...base, numSamples: "9".repeat(JUNK) },
      { ...base, round: 0, junk: "x".repeat(JUNK) },
      { ...base, metrics: { loss: Number.POSITIVE_INFINITY } },
    ];
    for (const payload of junk) {
      const before = logged;
      const started = performance.now();
      const ack = await a.submit(payload);
      const seconds = (performance.now() - started) / 1000;
      expect(ack).toMatchObject({ ok: false, error: { code: "INVALID_PAYLOAD" } });
      expect(logged - before, Object.keys(payload).join(",")).toBeLessThan(3_000);
      // Unbounded, the first one took about half a second of the coordinator's CPU.
      expect(seconds).toBeLessThan(0.4);
    }
  });

  it("still accepts honest updates (with a full metrics map) and records the round", async () => {
    const metrics = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`metric-${i}`, i / 10]));
    expect((await a.submit(await honest(metrics))).ok).toBe(true);
    const bobUpdate = await craftSubmission({ account: bob.account, session: b.session, fit, layout: tinyLayout, update: constantUpdate(tinyLayout, -0.01), commitment: bob.commitment });
    expect((await b.submit(bobUpdate)).ok).toBe(true);
    expect(await run).toHaveLength(1);
  });
});
