// Ingest throughput: 100 signed updates of 1,000,000 parameters through the coordinator's
// real submission path (schema, hash, EIP-712 signature recovery, decode with shape checks
// and one pass for finiteness and the norm, norm bound, the signed bytes written once to
// the content store with group-committed fsyncs, event log line, SQLite row), 8 in flight
// at a time, then FedAvg aggregation and scoring streamed out of the stored signed objects.
// Payloads are built and signed beforehand (client work); socket transport is excluded.
//
// mbPerSec: update megabytes over the whole (ingest + aggregation + scoring); diskMBps: the
// fsync'd write bandwidth of the store's filesystem (lib/diskBandwidth.ts), measured in the
// same run just before and just after the ingest (mean of the two; both in diskMBpsRuns),
// the bound of durable ingest there; peakRssMb: the process's peak RSS, sampled every 5 ms,
// the 400 MB of prepared payloads included. --dir puts the store elsewhere (e.g. /dev/shm).
// Hashing and measuring run on the coordinator's update check pool, started before the clock.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { contentHash, encodeWeights, signUpdate } from "@fedledger/client-sdk";
import { MILLION_LAYOUT } from "../fixtures/millionLayout.ts";
import { openSubmissionSetting, SUBMISSION_COMMITMENT, SUBMISSION_DOMAIN } from "../../coordinator/src/rounds/submission.fixture.ts";
import { submitUpdate } from "../../coordinator/src/rounds/submitUpdate.ts";
import { createSampleCountScorer } from "../../coordinator/src/scorers/sampleCountScorer.ts";
import { createUpdateCheckPool } from "../../coordinator/src/validation/updateCheckPool.ts";
import { fsyncWriteMBps } from "./lib/diskBandwidth.ts";
import type { BenchOptions } from "./run.ts";

const N = 100;
const CONCURRENCY = 8;

export async function run(options: BenchOptions = {}): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), "fedledger-ingest-"));
  const accounts = Array.from({ length: N }, (_, i) => privateKeyToAccount(keccak256(toHex(`ingest ${i}`))));
  const updateChecks = createUpdateCheckPool();
  if (!(await updateChecks.whenReady())) throw new Error("the update check pool did not start");
  const setting = await openSubmissionSetting({ dir, layout: MILLION_LAYOUT, maxUpdateNorm: 1e6, selected: accounts.map((a) => a.address), updateChecks, rowCommits: true, deadlineMs: 600_000 });
  const { deps, global, base, open } = setting;
  process.stderr.write(`building ${N} signed updates of 1M parameters…\n`);
  const payloads: { sender: `0x${string}`; payload: { round: number; baseModelHash: `0x${string}`; numSamples: number; updateHash: `0x${string}`; update: Uint8Array; signature: `0x${string}` } }[] = [];
  for (const [i, account] of accounts.entries()) {
    const update = MILLION_LAYOUT.map((l) => Float32Array.from({ length: l.shape.reduce((a, b) => a * b, 1) }, (_, k) => ((k * 7 + i) % 13) * 1e-4 - 6e-4));
    // In a buffer of its own, as the socket delivers it (the encoder's output is a view into its reused buffer).
    const bytes = new Uint8Array(encodeWeights(update, MILLION_LAYOUT));
    const updateHash = await contentHash(bytes);
    const signature = await signUpdate(account, SUBMISSION_DOMAIN, { round: 1n, baseModelHash: base, updateHash, numSamples: 100n, datasetCommitment: SUBMISSION_COMMITMENT });
    payloads.push({ sender: account.address, payload: { round: 1, baseModelHash: base, numSamples: 100, updateHash, update: bytes, signature } });
  }
  process.stderr.write("measuring the fsync'd write bandwidth of the store's filesystem…\n");
  const diskBefore = await fsyncWriteMBps(dir);
  // Counted now: each submitted payload's view is detached once the pool has had its bytes.
  const megabytes = payloads.reduce((n, p) => n + p.payload.update.byteLength, 0) / 1e6;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < payloads.length) {
        const { sender, payload } = payloads[next++]!;
        const ack = await submitUpdate(deps, open, sender, payload);
        if (!ack.ok) throw new Error(`refused: ${ack.error.code} ${ack.error.message}`);
      }
    }),
  );
  const ingestSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rows = deps.state.listUpdates(1);
  await deps.strategy.aggregateFit({ round: 1, layout: MILLION_LAYOUT, global, results: rows, failures: [], source: deps.updates });
  await createSampleCountScorer().score({ round: 1, baseModelHash: base, global, aggregate: global, results: rows, source: deps.updates });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const diskAfter = await fsyncWriteMBps(dir);
  await setting.close();
  await updateChecks.close();
  rmSync(dir, { recursive: true, force: true });
  const diskMBps = (diskBefore + diskAfter) / 2;
  process.stderr.write(
    `ingest ${ingestSeconds.toFixed(2)} s, with aggregation ${seconds.toFixed(2)} s for ${megabytes.toFixed(0)} MB; ` +
      `fsync'd writes ${diskBefore.toFixed(0)} MB/s before, ${diskAfter.toFixed(0)} MB/s after\n`,
  );
  return {
    mbPerSec: Math.round(megabytes / seconds),
    diskMBps: Math.round(diskMBps),
    peakRssMb: Math.round(peakRss / 1e6),
    ingestOnlyMbPerSec: Math.round(megabytes / ingestSeconds),
    ratioToDisk: Number((megabytes / seconds / diskMBps).toFixed(3)),
    diskMBpsRuns: [Math.round(diskBefore), Math.round(diskAfter)],
  };
}
