import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { contentHash, encodeWeights, type LayerSpec, measureWeights, signUpdate, STORE_OBJECTS_DIR } from "@fedledger/client-sdk";
import { createCoordinatorMetrics } from "../metrics/coordinatorMetrics.ts";
import { openEventLog } from "../provenance/eventLogFile.ts";
import { createDirectoryContentStore } from "../stores/contentStore.ts";
import { createObjectUpdateSource } from "../stores/objectUpdateSource.ts";
import { openStateStore } from "../stores/stateStore.ts";
import { FedAvg } from "../strategies/fedAvg.ts";
import { createUpdateCheckPool, type UpdateCheckPool } from "../validation/updateCheckPool.ts";
import { createOpenRound } from "./openRound.ts";
import { type SubmissionDependencies, submitUpdate } from "./submitUpdate.ts";

// Just over 1 MiB encoded: hashed and measured on the pool's worker.
const layout: LayerSpec[] = [
  { name: "dense/kernel", shape: [512, 512] },
  { name: "dense/bias", shape: [512] },
];
const P = 512 * 512 + 512;
const domain = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const };
const commitment = keccak256(toHex("dataset"));
const accounts = Array.from({ length: 6 }, (_, i) => privateKeyToAccount(keccak256(toHex(`submit offloaded ${i}`))));
const global = layout.map((l) => new Float32Array(l.shape.reduce((a, b) => a * b, 1)));

let pool: UpdateCheckPool;
let base: Hex;
beforeAll(async () => {
  pool = createUpdateCheckPool({ size: 1 });
  expect(await pool.whenReady()).toBe(true);
  base = await contentHash(encodeWeights(global, layout));
});
afterAll(() => pool.close());

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fedledger-submit-offloaded-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function setUp() {
  const content = createDirectoryContentStore(join(dir, STORE_OBJECTS_DIR));
  const state = openStateStore(join(dir, "state.sqlite"));
  const eventLog = openEventLog(join(dir, "events.log"));
  const updates = createObjectUpdateSource(content, layout);
  const deps: SubmissionDependencies = {
    settings: {
      rounds: 1, minFitClients: 1, minAvailableClients: 1, fitTimeoutMs: 60_000, availabilityTimeoutMs: 1, maxAttemptsPerRound: 1, retryBackoffMs: 1,
      dtype: "f32", modelSpec: {}, trainConfig: {}, layout, maxUpdateBytes: P * 4 + 65_536,
    },
    safety: { maxUpdateNorm: 1e6, outlierNormMultiple: null, maxLossIncrease: null, copyCosine: null, replayCosine: null, validationGate: undefined },
    strategy: new FedAvg({ layout, initialWeights: global, fractionFit: 1, minFitClients: 1, minAvailableClients: 1 }),
    state,
    content,
    updates,
    updateChecks: pool,
    domain,
    metrics: createCoordinatorMetrics(),
    logger: pino({ level: "silent" }),
    now: Date.now,
    registryEntry: async () => ({ active: true, datasetCommitment: commitment, datasetSize: 1_000 }),
    eventLog,
  };
  const open = createOpenRound({ round: 1, attempt: 1, baseModelHash: base, deadline: Date.now() + 60_000, selected: accounts.map((a) => a.address) });
  state.openRound(1, 1, base, open.deadline, accounts.map((a) => a.address));
  return {
    deps,
    open,
    close: async () => {
      await updates.close();
      eventLog.close();
      state.close();
    },
  };
}

/** An update in a buffer of its own, as the socket delivers it. */
function encoded(seed: number, nanAt?: number): Uint8Array {
  const weights = layout.map((l, j) => Float32Array.from({ length: l.shape.reduce((a, b) => a * b, 1) }, (_, k) => Math.fround(Math.sin(seed * 31 + j * 7 + k) * 0.01)));
  if (nanAt !== undefined) weights[0]![nanAt] = Number.NaN;
  return new Uint8Array(encodeWeights(weights, layout));
}

async function signed(i: number, update: Uint8Array, options: { hash?: Hex; signer?: number } = {}) {
  const updateHash = options.hash ?? (await contentHash(update));
  const signature = await signUpdate(accounts[options.signer ?? i]!, domain, { round: 1n, baseModelHash: base, updateHash, numSamples: 100n, datasetCommitment: commitment });
  return { round: 1, baseModelHash: base, numSamples: 100, updateHash, update, signature };
}

async function objectFiles(): Promise<string[]> {
  const entries = await readdir(join(dir, STORE_OBJECTS_DIR), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

describe("submitUpdate with the update check pool", () => {
  it("stores the bytes the worker handed back, and the norm it measured", async () => {
    const { deps, open, close } = setUp();
    const bytes = encoded(1);
    const original = new Uint8Array(bytes);
    const submission = await signed(0, bytes);
    const ack = await submitUpdate(deps, open, accounts[0]!.address, submission);
    expect(ack).toMatchObject({ ok: true, data: { duplicate: false } });
    expect(submission.update.byteLength).toBe(0); // it went to the worker
    expect(Buffer.from(await deps.content.get(submission.updateHash)).equals(original)).toBe(true);
    expect(deps.state.getUpdate(1, accounts[0]!.address)?.norm).toBe(measureWeights(original, layout).norm);
    await close();
  });

  it("refuses in the event loop's order: hash, then signature, then what the measurement found", async () => {
    const { deps, open, close } = setUp();
    const garbage = () => Uint8Array.from({ length: 1_100_000 }, (_, k) => (k * 131 + 7) & 0xff);
    const cases: [() => Promise<Awaited<ReturnType<typeof signed>>>, string][] = [
      // Malformed and its hash wrong: the hash is reported.
      [async () => signed(0, garbage(), { hash: keccak256(toHex("not these bytes")) }), "HASH_MISMATCH"],
      // Malformed, hash right, signed by someone else: the signature is reported.
      [async () => signed(1, garbage(), { signer: 5 }), "INVALID_SIGNATURE"],
      [async () => signed(2, garbage()), "DECODE_ERROR"],
      [async () => signed(3, encoded(3, 77)), "NON_FINITE"],
    ];
    for (const [i, [make, code]] of cases.entries()) {
      const ack = await submitUpdate(deps, open, accounts[i]!.address, await make());
      expect(ack.ok ? "ok" : ack.error.code).toBe(code);
    }
    expect(await objectFiles()).toEqual([]);
    await close();
  });

  it("refuses an update whose worker stopped mid-check with INTERNAL, storing nothing, and takes it when resent", async () => {
    const { deps, open, close } = setUp();
    expect(await pool.whenReady()).toBe(true);
    // The worker is told to stop just before the job is posted to it (it has not exited yet,
    // so the pool still picks it): a real fault, and the job can never be answered.
    const stopping: UpdateCheckPool = {
      check(bytes, l) {
        void pool.workers[0]?.terminate();
        return pool.check(bytes, l);
      },
      whenReady: () => pool.whenReady(),
      get workers() {
        return pool.workers;
      },
      close: () => pool.close(),
    };
    const bytes = encoded(4);
    const copy = new Uint8Array(bytes);
    const first = await submitUpdate({ ...deps, updateChecks: stopping }, open, accounts[4]!.address, await signed(4, bytes));
    expect(first.ok ? "ok" : first.error.code).toBe("INTERNAL");
    expect(await objectFiles()).toEqual([]);
    expect(deps.state.getUpdate(1, accounts[4]!.address)).toBeUndefined();
    // The client still has its update and sends it again.
    const again = await submitUpdate(deps, open, accounts[4]!.address, await signed(4, copy));
    expect(again).toMatchObject({ ok: true, data: { duplicate: false } });
    expect(Buffer.from(await deps.content.get(again.ok ? again.data.updateHash : "0x")).equals(encoded(4))).toBe(true);
    expect(await pool.whenReady()).toBe(true);
    await close();
  });
});
