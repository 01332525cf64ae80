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
import pino from "pino";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { contentHash, encodeWeights, signUpdate } from "@fedledger/client-sdk";
import { MILLION_LAYOUT } from "../fixtures/millionLayout.ts";
import { createCoordinatorMetrics } from "../../coordinator/src/metrics/coordinatorMetrics.ts";
import { createOpenRound } from "../../coordinator/src/rounds/openRound.ts";
import { submitUpdate } from "../../coordinator/src/rounds/submitUpdate.ts";
import { createSampleCountScorer } from "../../coordinator/src/scorers/sampleCountScorer.ts";
import { createDirectoryContentStore } from "../../coordinator/src/stores/contentStore.ts";
import { openStateStore } from "../../coordinator/src/stores/stateStore.ts";
import { createUpdateRowCommit } from "../../coordinator/src/stores/updateRowCommit.ts";
import { createObjectUpdateSource } from "../../coordinator/src/stores/objectUpdateSource.ts";
import { openEventLog } from "../../coordinator/src/provenance/eventLogFile.ts";
import { FedAvg } from "../../coordinator/src/strategies/fedAvg.ts";
import { createUpdateCheckPool } from "../../coordinator/src/validation/updateCheckPool.ts";
import { fsyncWriteMBps } from "./lib/diskBandwidth.ts";
import type { BenchOptions } from "./run.ts";

const N = 100;
const CONCURRENCY = 8;

export async function run(options: BenchOptions = {}): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), "fedledger-ingest-"));
  const domain = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const };
  const global = MILLION_LAYOUT.map((l) => new Float32Array(l.shape.reduce((a, b) => a * b, 1)));
  const base = await contentHash(encodeWeights(global, MILLION_LAYOUT));
  const commitment = keccak256(toHex("dataset"));
  const accounts = Array.from({ length: N }, (_, i) => privateKeyToAccount(keccak256(toHex(`ingest ${i}`))));
  process.stderr.write(`building ${N} signed updates of 1M parameters…\n`);
  const payloads: { sender: `0x${string}`; payload: { round: number; baseModelHash: `0x${string}`; numSamples: number; updateHash: `0x${string}`; update: Uint8Array; signature: `0x${string}` } }[] = [];
  for (const [i, account] of accounts.entries()) {
    const update = MILLION_LAYOUT.map((l) => Float32Array.from({ length: l.shape.reduce((a, b) => a * b, 1) }, (_, k) => ((k * 7 + i) % 13) * 1e-4 - 6e-4));
    // In a buffer of its own, as the socket delivers it (the encoder's output is a view into its reused buffer).
    const bytes = new Uint8Array(encodeWeights(update, MILLION_LAYOUT));
    const updateHash = await contentHash(bytes);
    const signature = await signUpdate(account, domain, { round: 1n, baseModelHash: base, updateHash, numSamples: 100n, datasetCommitment: commitment });
    payloads.push({ sender: account.address, payload: { round: 1, baseModelHash: base, numSamples: 100, updateHash, update: bytes, signature } });
  }
  const state = openStateStore(join(dir, "state.sqlite"));
  const eventLog = openEventLog(join(dir, "events.log"));
  const content = createDirectoryContentStore(join(dir, "objects"));
  const updates = createObjectUpdateSource(content, MILLION_LAYOUT);
  const strategy = new FedAvg({ layout: MILLION_LAYOUT, initialWeights: global, fractionFit: 1, minFitClients: 1, minAvailableClients: 1 });
  const updateChecks = createUpdateCheckPool();
  if (!(await updateChecks.whenReady())) throw new Error("the update check pool did not start");
  const deps = {
    settings: {
      rounds: 1, minFitClients: 1, minAvailableClients: 1, fitTimeoutMs: 600_000, availabilityTimeoutMs: 1, maxAttemptsPerRound: 1, retryBackoffMs: 1,
      dtype: "f32" as const, modelSpec: {}, trainConfig: {}, layout: MILLION_LAYOUT, maxUpdateBytes: 4_000_000 + 65_536,
    },
    strategy,
    state,
    content,
    updates,
    updateChecks,
    updateRows: createUpdateRowCommit(state),
    eventLog,
    domain,
    metrics: createCoordinatorMetrics(),
    logger: pino({ level: "silent" }),
    now: Date.now,
    safety: { maxUpdateNorm: 1e6, outlierNormMultiple: 10, maxLossIncrease: 1, copyCosine: null, replayCosine: null, validationGate: undefined },
    registryEntry: async () => ({ active: true, datasetCommitment: commitment, datasetSize: 1_000 }),
  };
  const open = createOpenRound({ round: 1, attempt: 1, baseModelHash: base, deadline: Date.now() + 600_000, selected: accounts.map((a) => a.address) });
  state.openRound(1, 1, base, open.deadline, accounts.map((a) => a.address));

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
  const rows = state.listUpdates(1);
  await strategy.aggregateFit({ round: 1, layout: MILLION_LAYOUT, global, results: rows, failures: [], source: updates });
  await createSampleCountScorer().score({ round: 1, baseModelHash: base, global, aggregate: global, results: rows, source: updates });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const diskAfter = await fsyncWriteMBps(dir);
  await updates.close();
  await updateChecks.close();
  eventLog.close();
  state.close();
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
