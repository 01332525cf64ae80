import { markAsUntransferable } from "node:worker_threads";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contentHash, encodeWeights, FedLedgerError, type LayerSpec, measureWeights } from "@fedledger/client-sdk";
import { createUpdateCheckPool, type UpdateCheckPool } from "./updateCheckPool.ts";

// 262,656 float32 values: just over 1 MiB encoded.
const layout: LayerSpec[] = [
  { name: "dense/kernel", shape: [512, 512] },
  { name: "dense/bias", shape: [512] },
];
const size = (l: LayerSpec) => l.shape.reduce((a, b) => a * b, 1);

/** The encoding in a buffer of its own, as an update arrives from a socket. */
function randomUpdate(seed: number, at?: { value: number; index: number }): Uint8Array {
  let state = seed * 2_654_435_761 + 1;
  const next = () => ((state = (state * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32 - 0.5) * 0.02;
  const weights = layout.map((l) => Float32Array.from({ length: size(l) }, next));
  if (at) weights[0]![at.index] = at.value;
  return new Uint8Array(encodeWeights(weights, layout));
}

/** What the event loop would compute, over a copy (the checked bytes may be moved away). */
async function expected(bytes: Uint8Array) {
  const copy = new Uint8Array(bytes);
  let measured: unknown;
  try {
    measured = measureWeights(copy, layout);
  } catch (error) {
    measured = error;
  }
  return { hash: await contentHash(copy), measured, copy };
}

function outcome(measure: () => unknown): unknown {
  try {
    return measure();
  } catch (error) {
    return error;
  }
}

function sameError(actual: unknown, wanted: unknown): void {
  expect(actual).toBeInstanceOf(FedLedgerError);
  expect(wanted).toBeInstanceOf(FedLedgerError);
  const a = actual as FedLedgerError;
  const w = wanted as FedLedgerError;
  expect({ code: a.code, message: a.message, details: a.details }).toEqual({ code: w.code, message: w.message, details: w.details });
}

// Two workers shared by the tests that leave them running; fault tests start their own.
let shared: UpdateCheckPool;
beforeAll(async () => {
  shared = createUpdateCheckPool({ size: 2 });
  expect(await shared.whenReady()).toBe(true);
  expect(shared.workers).toHaveLength(2);
});
afterAll(() => shared.close());

let own: UpdateCheckPool | undefined;
afterEach(async () => {
  await own?.close();
  own = undefined;
});

describe("updateCheckPool", () => {
  it("hashes and measures large updates on a worker exactly as on the event loop, and hands the bytes back", async () => {
    const pool = shared;
    for (const seed of [1, 2, 3]) {
      const bytes = randomUpdate(seed);
      const want = await expected(bytes);
      const checked = await pool.check(bytes, layout);
      expect(checked.offloaded).toBe(true);
      expect(bytes.byteLength).toBe(0); // moved to the worker: the caller's view is detached
      expect(checked.hash).toBe(want.hash);
      expect(checked.measure()).toEqual(want.measured);
      expect(Buffer.from(checked.bytes).equals(want.copy)).toBe(true);
    }
  });

  it("checks a view inside a larger buffer on the event loop, leaving the buffer to its other users", async () => {
    const pool = shared;
    const encoded = randomUpdate(4);
    const view = new Uint8Array(new ArrayBuffer(encoded.byteLength + 9), 1, encoded.byteLength);
    view.set(encoded);
    const neighbour = new Uint8Array(view.buffer, 0, 1);
    const want = await expected(view);
    const checked = await pool.check(view, layout);
    expect([checked.offloaded, checked.bytes, view.byteLength, neighbour.byteLength]).toEqual([false, view, encoded.byteLength, 1]);
    expect(checked.hash).toBe(want.hash);
    expect(checked.measure()).toEqual(want.measured);
    // The encoder's output is a view into the encoder's own reused buffer: moving that buffer would break the next encoding.
    const fromEncoder = encodeWeights([new Float32Array(512 * 512).fill(0.5), new Float32Array(512)], layout);
    const reused = await pool.check(fromEncoder, layout);
    expect([reused.offloaded, reused.hash]).toEqual([false, await contentHash(new Uint8Array(fromEncoder))]);
    expect(measureWeights(encodeWeights([new Float32Array(512 * 512), new Float32Array(512)], layout), layout).norm).toBe(0);
  });

  it("checks on the event loop what it cannot move: a Buffer from Node's pool, an untransferable or shared buffer, small updates", async () => {
    const pool = shared;
    const small: LayerSpec[] = [{ name: "t", shape: [300] }];
    const pooled = Buffer.from(encodeWeights([Float32Array.from({ length: 300 }, (_, i) => i / 1e3)], small));
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength); // a slice of Node's shared pool
    const fromPool = await pool.check(pooled, small);
    expect(fromPool.offloaded).toBe(false);
    expect(fromPool.bytes).toBe(pooled);
    expect(fromPool.hash).toBe(await contentHash(pooled));
    expect(fromPool.measure()).toEqual(measureWeights(pooled, small));

    const encoded = randomUpdate(5);
    const onShared = new Uint8Array(new SharedArrayBuffer(encoded.byteLength));
    onShared.set(encoded);
    const fromShared = await pool.check(onShared, layout);
    expect([fromShared.offloaded, fromShared.bytes]).toEqual([false, onShared]);
    expect(fromShared.hash).toBe(await contentHash(encoded));

    // postMessage refuses it: the buffer stays where it is, checked here.
    const pinned = randomUpdate(8);
    markAsUntransferable(pinned.buffer);
    const pinnedWant = await expected(pinned);
    const fromPinned = await pool.check(pinned, layout);
    expect([fromPinned.offloaded, fromPinned.bytes, pinned.byteLength, fromPinned.hash]).toEqual([false, pinned, pinnedWant.copy.byteLength, pinnedWant.hash]);
    expect(fromPinned.measure()).toEqual(pinnedWant.measured);
    // The worker is still in service.
    const after = randomUpdate(9);
    const afterWant = await expected(after);
    const fromAfter = await pool.check(after, layout);
    expect([fromAfter.offloaded, fromAfter.hash]).toEqual([true, afterWant.hash]);

    const tiny = encodeWeights([new Float32Array(10)], [{ name: "t", shape: [10] }]);
    const fromTiny = await pool.check(tiny, [{ name: "t", shape: [10] }]);
    expect([fromTiny.offloaded, fromTiny.bytes.byteLength]).toEqual([false, tiny.byteLength]);
  });

  it("reports NON_FINITE, DECODE_ERROR and SHAPE_MISMATCH with the event loop's code, message and details", async () => {
    const pool = shared;
    const truncated = randomUpdate(7).slice(0, 1_000_000);
    const garbage = Uint8Array.from({ length: 1_100_000 }, (_, i) => (i * 131 + 7) & 0xff);
    const reshaped = new Uint8Array(
      encodeWeights([new Float32Array(512 * 512), new Float32Array(512)], [
        { name: "dense/kernel", shape: [256, 1024] },
        { name: "dense/bias", shape: [512] },
      ]),
    );
    const cases: [Uint8Array, string][] = [
      [randomUpdate(6, { value: Number.NaN, index: 1_234 }), "NON_FINITE"],
      [randomUpdate(6, { value: Number.NEGATIVE_INFINITY, index: 0 }), "NON_FINITE"],
      [truncated, "DECODE_ERROR"],
      [garbage, "DECODE_ERROR"],
      [reshaped, "SHAPE_MISMATCH"],
    ];
    for (const [bytes, code] of cases) {
      const want = await expected(bytes);
      const checked = await pool.check(bytes, layout);
      expect(checked.offloaded).toBe(true);
      expect(checked.hash).toBe(want.hash);
      const got = outcome(() => checked.measure());
      sameError(got, want.measured);
      expect((got as FedLedgerError).code).toBe(code);
    }
  });

  it("rejects the jobs of a worker stopped mid-flight with INTERNAL, never a wrong result, starts a new one, and stops it on close", async () => {
    const pool = (own = createUpdateCheckPool({ size: 1 }));
    expect(await pool.whenReady()).toBe(true);
    const first = pool.workers[0]!;
    const updates = [10, 11, 12, 13].map((seed) => randomUpdate(seed));
    const wants = await Promise.all(updates.map(expected));
    const jobs = updates.map((bytes) => pool.check(bytes, layout));
    await first.terminate();
    const settled = await Promise.allSettled(jobs);
    for (const [i, result] of settled.entries()) {
      if (result.status === "rejected") {
        expect(result.reason).toBeInstanceOf(FedLedgerError);
        expect((result.reason as FedLedgerError).code).toBe("INTERNAL");
      } else {
        expect(result.value.hash).toBe(wants[i]!.hash);
        expect(result.value.measure()).toEqual(wants[i]!.measured);
      }
    }
    expect(pool.workers).toEqual([]);
    // The next job runs on a new worker and is right.
    expect(await pool.whenReady()).toBe(true);
    expect(pool.workers[0]).not.toBe(first);
    const bytes = randomUpdate(14);
    const want = await expected(bytes);
    const checked = await pool.check(bytes, layout);
    expect([checked.offloaded, checked.hash]).toEqual([true, want.hash]);
    expect(checked.measure()).toEqual(want.measured);
    // Once closed: no worker, the event loop checks.
    await pool.close();
    expect(pool.workers).toEqual([]);
    const last = randomUpdate(15);
    const closed = await pool.check(last, layout);
    expect([closed.offloaded, closed.bytes, closed.hash]).toEqual([false, last, (await expected(last)).hash]);
  });

  it("stays on the event loop when its worker stops before it is ready", async () => {
    const pool = (own = createUpdateCheckPool({ size: 1 }));
    const bytes = randomUpdate(20);
    const want = await expected(bytes);
    const job = pool.check(bytes, layout); // starts the worker, checks this one here meanwhile
    const worker = pool.workers[0]!;
    await worker.terminate();
    const checked = await job;
    expect([checked.offloaded, checked.hash]).toEqual([false, want.hash]);
    expect(await pool.whenReady()).toBe(false);
    const next = randomUpdate(21);
    const nextWant = await expected(next);
    const later = await pool.check(next, layout);
    expect([later.offloaded, later.bytes, later.hash]).toEqual([false, next, nextWant.hash]);
    expect(later.measure()).toEqual(nextWant.measured);
    expect(pool.workers).toEqual([]);
  });

  it("answers 20 concurrent jobs on two workers, each with its own result", async () => {
    const pool = shared;
    const updates = Array.from({ length: 20 }, (_, i) => (i % 5 === 4 ? randomUpdate(30 + i, { value: Number.NaN, index: i }) : randomUpdate(30 + i)));
    const wants = await Promise.all(updates.map(expected));
    const checked = await Promise.all(updates.map((bytes) => pool.check(bytes, layout)));
    for (const [i, c] of checked.entries()) {
      expect(c.offloaded).toBe(true);
      expect(c.hash).toBe(wants[i]!.hash);
      expect(Buffer.from(c.bytes).equals(wants[i]!.copy)).toBe(true);
      const got = outcome(() => c.measure());
      if (wants[i]!.measured instanceof FedLedgerError) sameError(got, wants[i]!.measured);
      else expect(got).toEqual(wants[i]!.measured);
    }
  });
});
