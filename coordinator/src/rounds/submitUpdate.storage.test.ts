import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { contentHash, decodeWeights, encodeWeights, type LayerSpec, signUpdate, STORE_OBJECTS_DIR } from "@fedledger/client-sdk";
import { createDirectoryContentStore } from "../stores/contentStore.ts";
import { createObjectUpdateSource } from "../stores/objectUpdateSource.ts";
import { openSubmissionSetting, storedObjects, SUBMISSION_COMMITMENT, SUBMISSION_DOMAIN } from "./submission.fixture.ts";
import { submitUpdate } from "./submitUpdate.ts";

const layout: LayerSpec[] = [
  { name: "dense/kernel", shape: [50, 7] },
  { name: "dense/bias", shape: [7] },
];
const P = 357;
const accounts = Array.from({ length: 6 }, (_, i) => privateKeyToAccount(keccak256(toHex(`submit storage ${i}`))));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fedledger-submit-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const setUp = () => openSubmissionSetting({ dir, layout, maxUpdateNorm: 10, selected: accounts.map((a) => a.address) });

async function signed(i: number, base: Hex, update: Float32Array[]) {
  const bytes = encodeWeights(update, layout);
  const updateHash = await contentHash(bytes);
  const signature = await signUpdate(accounts[i]!, SUBMISSION_DOMAIN, { round: 1n, baseModelHash: base, updateHash, numSamples: BigInt(10 + i), datasetCommitment: SUBMISSION_COMMITMENT });
  return { round: 1, baseModelHash: base, numSamples: 10 + i, updateHash, update: bytes, signature };
}

const values = (seed: number) => layout.map((l) => Float32Array.from({ length: l.shape.reduce((a, b) => a * b, 1) }, (_, k) => Math.fround(Math.sin(seed * 31 + k) * 0.01)));

describe("submitUpdate storage", () => {
  it("writes each accepted update once, as signed, acks it only once a freshly opened store serves it, and aggregates from it", async () => {
    const { deps, global, base, open, close } = await setUp();
    const submissions = await Promise.all(accounts.map((_, i) => signed(i, base, values(i))));
    // Concurrent, so that their writes share group commits.
    const served = await Promise.all(
      submissions.map(async (s, i) => {
        const ack = await submitUpdate(deps, open, accounts[i]!.address as Address, s);
        expect(ack).toMatchObject({ ok: true, data: { duplicate: false } });
        // As a restarted coordinator would: a new store and source, frames parsed from the object.
        const fresh = createObjectUpdateSource(createDirectoryContentStore(join(dir, STORE_OBJECTS_DIR)), layout);
        const into = new Float32Array(P);
        await fresh.read(s.updateHash, 0, into);
        await fresh.close();
        return Buffer.from(into.buffer).equals(Buffer.from(Float32Array.from(values(i).flatMap((l) => [...l])).buffer));
      }),
    );
    expect(served).toEqual(submissions.map(() => true));
    // One object per update, nothing else in the store (no decoded copy anywhere).
    expect((await storedObjects(dir)).sort()).toEqual(submissions.map((s) => s.updateHash.slice(4)).sort());
    expect((await readdir(dir)).filter((name) => !name.startsWith("state.sqlite")).sort()).toEqual(["events.log", STORE_OBJECTS_DIR]);
    // Norms are the decoding pass's, stored with the row.
    const rows = deps.state.listUpdates(1);
    for (const row of rows) {
      const s = submissions.find((x) => x.updateHash === row.updateHash)!;
      expect(row.norm).toBe(decodeWeights(s.update, layout).norm);
    }
    // The aggregator reads the signed objects: the same bytes as from decoded copies in memory.
    const fromObjects = await deps.strategy.aggregateFit({ round: 1, layout, global, results: rows, failures: [], source: deps.updates });
    const decoded = new Map(submissions.map((s) => [s.updateHash, Float32Array.from(decodeWeights(s.update, layout).weights.flatMap((l) => [...l]))]));
    const memory = { parameterCount: P, read: async (h: Hex, offset: number, into: Float32Array) => into.set(decoded.get(h)!.subarray(offset, offset + into.length)) };
    const fromMemory = await deps.strategy.aggregateFit({ round: 1, layout, global, results: rows, failures: [], source: memory });
    expect(fromObjects.weights).toEqual(fromMemory.weights);
    await close();
  });

  it("refuses NaN and Infinity as NON_FINITE and an update over the norm bound as NORM_EXCEEDED, storing nothing", async () => {
    const { deps, base, open, close } = await setUp();
    const withValue = (value: number, at: number) => {
      const update = values(0);
      update[at === 0 ? 0 : 1]![3] = value;
      return update;
    };
    const cases: [Float32Array[], string][] = [
      [withValue(Number.NaN, 0), "NON_FINITE"],
      [withValue(Number.POSITIVE_INFINITY, 1), "NON_FINITE"],
      [withValue(-3e38, 0), "NORM_EXCEEDED"], // finite, its square too: over safety.maxUpdateNorm
      [layout.map((l) => new Float32Array(l.shape.reduce((a, b) => a * b, 1)).fill(1)), "NORM_EXCEEDED"], // norm sqrt(357) > 10
    ];
    for (const [i, [update, code]] of cases.entries()) {
      const ack = await submitUpdate(deps, open, accounts[i]!.address, await signed(i, base, update));
      expect(ack.ok ? "ok" : ack.error.code).toBe(code);
    }
    expect(await storedObjects(dir)).toEqual([]);
    await close();
  });
});
