// Coordinator time per round with 50 clients and a ~1M-parameter model, the on-chain
// record included: a real coordinator in this process (socket.io on 127.0.0.1, the content
// store, the default safety net and strategy, recordRound with 50 signatures on EDR, also
// in this process). The clients run in CLIENT_PROCESSES other processes (lib/loadClients.ts),
// so that their encoding does not share the coordinator's event loop; they do no training:
// each answers the fit instruction at once with a fresh pseudo-random update (distinct per
// client and round, as honest updates are), signed for the round.
//
// secondsPerRound: from the start of run() (every client logged in) to the last round's
// record, over the rounds; perRound lists each round's time; coordinatorCpuSecondsPerRound:
// the coordinator process's CPU time over the rounds (all its threads), per round.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { createWalletClient, http } from "viem";
import { hardhat } from "viem/chains";
import { contentHash, encodeWeights, initialWeights, layerLayout, parameterCount, parseModelSpec } from "@fedledger/client-sdk";
import { createCoordinator, parseCoordinatorConfig } from "@fedledger/coordinator";
import { BENCH_DATASET_SIZE, startBenchLedger } from "./lib/benchLedger.ts";
import { startLoadClients } from "./lib/startLoadClients.ts";
import type { BenchOptions } from "./run.ts";

const CLIENTS = 50;
const ROUNDS = 3;
const CLIENT_PROCESSES = 2;
const SPEC = { kind: "mlp", inputShape: [784], layers: [{ units: 1250, activation: "relu" }, { units: 15, activation: "softmax" }] };

export async function run(options: BenchOptions = {}): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), "fedledger-round-"));
  const spec = parseModelSpec(SPEC);
  const layout = layerLayout(spec);
  const params = parameterCount(layout);
  process.stderr.write(`registering ${CLIENTS} participants, model of ${params} parameters\n`);
  const genesis = await contentHash(encodeWeights(initialWeights(spec, 0), layout));
  const { chain, ledger, publicClient, operator } = await startBenchLedger({ participants: CLIENTS, genesisModelHash: genesis });

  const config = parseCoordinatorConfig({
    chain: { rpcUrl: chain.rpcUrl, ledger },
    server: { port: 0 },
    rounds: { rounds: ROUNDS, minFitClients: CLIENTS, minAvailableClients: CLIENTS, fitTimeoutMs: 120_000, availabilityTimeoutMs: 60_000 },
    model: { spec: SPEC },
    training: { epochs: 1, batchSize: 32, learningRate: 0.1 },
    storage: { dir: join(dir, "coordinator") },
  });
  const recordedAt: number[] = [];
  const aborted: string[] = [];
  const stopping = new AbortController();
  const coordinator = await createCoordinator({
    config,
    publicClient,
    walletClient: createWalletClient({ account: operator, chain: hardhat, transport: http(chain.rpcUrl) }),
    logger: pino({ level: "silent" }),
    events: {
      onRoundRecorded: (r) => (recordedAt[r.round] = performance.now()),
      // A benchmark round must not be retried: stop and report.
      onRoundAborted: (round, attempt, reason) => {
        aborted.push(`round ${round} attempt ${attempt}: ${reason}`);
        stopping.abort();
      },
    },
  });
  const url = await coordinator.listen();
  const clients = startLoadClients({ url, clients: CLIENTS, spec: SPEC, numSamples: BENCH_DATASET_SIZE, processes: CLIENT_PROCESSES });
  try {
    await clients.ready;
    process.stderr.write(`${CLIENTS} clients logged in; running ${ROUNDS} rounds\n`);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await coordinator.run(stopping.signal);
    const cpu = process.cpuUsage(cpuBefore);
    if (aborted.length > 0) throw new Error(`aborted: ${aborted.join("; ")}`);
    const total = (performance.now() - started) / 1000;
    const perRound = recordedAt.slice(1).map((t, i) => (t - (i === 0 ? started : (recordedAt[i] as number))) / 1000);
    process.stderr.write(`per round: ${perRound.map((s) => s.toFixed(2)).join(", ")} s\n`);
    const refused = [...clients.refused.values()].reduce((a, b) => a + b, 0);
    return {
      secondsPerRound: Number((total / ROUNDS).toFixed(3)),
      // The coordinator process's CPU time (every thread: event loop, workers, EDR) per round.
      coordinatorCpuSecondsPerRound: Number(((cpu.user + cpu.system) / 1e6 / ROUNDS).toFixed(3)),
      perRound: perRound.map((s) => Number(s.toFixed(3))),
      clients: CLIENTS,
      parameters: params,
      refusedHonest: refused,
    };
  } finally {
    clients.stop();
    await coordinator.close();
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
