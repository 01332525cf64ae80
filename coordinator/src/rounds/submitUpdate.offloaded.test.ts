import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { contentHash, encodeWeights, type LayerSpec, measureWeights, signUpdate } from "@fedledger/client-sdk";
import { createUpdateCheckPool, type UpdateCheckPool } from "../validation/updateCheckPool.ts";
import { openSubmissionSetting, storedObjects, SUBMISSION_COMMITMENT, SUBMISSION_DOMAIN } from "./submission.fixture.ts";
import { submitUpdate } from "./submitUpdate.ts";

// Just over 1 MiB encoded: hashed and measured on the pool's worker.
const layout: LayerSpec[] = [
  { name: "dense/kernel", shape: [512, 512] },
  { name: "dense/bias", shape: [512] },
];
const accounts = Array.from({ length: 6 }, (_, i) => privateKeyToAccount(keccak256(toHex(`submit offloaded ${i}`))));

let pool: UpdateCheckPool;
beforeAll(async () => {
  pool = createUpdateCheckPool({ size: 1 });
  expect(await pool.whenReady()).toBe(true);
});
afterAll(() => pool.close());

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fedledger-submit-offloaded-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const setUp = () => openSubmissionSetting({ dir, layout, maxUpdateNorm: 1e6, selected: accounts.map((a) => a.address), updateChecks: pool });

/** An update in a buffer of its own, as the socket delivers it. */
function encoded(seed: number, nanAt?: number): Uint8Array {
  const weights = layout.map((l, j) => Float32Array.from({ length: l.shape.reduce((a, b) => a * b, 1) }, (_, k) => Math.fround(Math.sin(seed * 31 + j * 7 + k) * 0.01)));
  if (nanAt !== undefined) weights[0]![nanAt] = Number.NaN;
  return new Uint8Array(encodeWeights(weights, layout));
}

async function signed(base: Hex, i: number, update: Uint8Array, options: { hash?: Hex; signer?: number } = {}) {
  const updateHash = options.hash ?? (await contentHash(update));
  const signature = await signUpdate(accounts[options.signer ?? i]!, SUBMISSION_DOMAIN, { round: 1n, baseModelHash: base, updateHash, numSamples: 100n, datasetCommitment: SUBMISSION_COMMITMENT });
  return { round: 1, baseModelHash: base, numSamples: 100, updateHash, update, signature };
}

describe("submitUpdate with the update check pool", () => {
  it("stores the bytes the worker handed back, and the norm it measured", async () => {
    const { deps, base, open, close } = await setUp();
    const bytes = encoded(1);
    const original = new Uint8Array(bytes);
    const submission = await signed(base, 0, bytes);
    const ack = await submitUpdate(deps, open, accounts[0]!.address, submission);
    expect(ack).toMatchObject({ ok: true, data: { duplicate: false } });
    expect(submission.update.byteLength).toBe(0); // it went to the worker
    expect(Buffer.from(await deps.content.get(submission.updateHash)).equals(original)).toBe(true);
    expect(deps.state.getUpdate(1, accounts[0]!.address)?.norm).toBe(measureWeights(original, layout).norm);
    await close();
  });

  it("refuses in the event loop's order: hash, then signature, then what the measurement found", async () => {
    const { deps, base, open, close } = await setUp();
    const garbage = () => Uint8Array.from({ length: 1_100_000 }, (_, k) => (k * 131 + 7) & 0xff);
    const cases: [() => Promise<Awaited<ReturnType<typeof signed>>>, string][] = [
      // Malformed and its hash wrong: the hash is reported.
      [async () => signed(base, 0, garbage(), { hash: keccak256(toHex("not these bytes")) }), "HASH_MISMATCH"],
      // Malformed, hash right, signed by someone else: the signature is reported.
      [async () => signed(base, 1, garbage(), { signer: 5 }), "INVALID_SIGNATURE"],
      [async () => signed(base, 2, garbage()), "DECODE_ERROR"],
      [async () => signed(base, 3, encoded(3, 77)), "NON_FINITE"],
    ];
    for (const [i, [make, code]] of cases.entries()) {
      const ack = await submitUpdate(deps, open, accounts[i]!.address, await make());
      expect(ack.ok ? "ok" : ack.error.code).toBe(code);
    }
    expect(await storedObjects(dir)).toEqual([]);
    await close();
  });

  it("refuses an update whose worker stopped mid-check with INTERNAL, storing nothing, and takes it when resent", async () => {
    const { deps, base, open, close } = await setUp();
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
    const first = await submitUpdate({ ...deps, updateChecks: stopping }, open, accounts[4]!.address, await signed(base, 4, bytes));
    expect(first.ok ? "ok" : first.error.code).toBe("INTERNAL");
    expect(await storedObjects(dir)).toEqual([]);
    expect(deps.state.getUpdate(1, accounts[4]!.address)).toBeUndefined();
    // The client still has its update and sends it again.
    const again = await submitUpdate(deps, open, accounts[4]!.address, await signed(base, 4, copy));
    expect(again).toMatchObject({ ok: true, data: { duplicate: false } });
    expect(Buffer.from(await deps.content.get(again.ok ? again.data.updateHash : "0x")).equals(encoded(4))).toBe(true);
    expect(await pool.whenReady()).toBe(true);
    await close();
  });
});
