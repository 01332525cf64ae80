// Load: how many participants one coordinator holds. Each case runs a real coordinator in
// its own process (the operator CLI's `start`, as deployed), against a real chain (EDR in
// this process, the ledger deployed with Ignition, every participant registered), with the
// participants in WORKERS other processes (lib/loadClients.ts) over loopback socket.io.
// Every client logs in, and answers each fit instruction with a fresh signed update of
// pseudo-random values (distinct per client and round, as honest updates are).
//
// The config sets the connection limits for the case explicitly (total, per address: every
// client dials from 127.0.0.1, pending logins) and leaves every other setting, the safety
// net included, at its default.
//
// Per case: secondsPerRound, from the coordinator's own log, from "round configured" of
// round 1 to "round recorded" of the last round, over the rounds (coordinator time with the
// on-chain record; the clients' work in their processes overlaps it on the same cores);
// peakRssMb: the coordinator process's peak resident set (VmHWM); rssPerClientMb: that peak
// less its resident set once started with no client, per client; refusedHonest: submissions
// refused at the ack (all updates are honest); recordedUpdates: UpdateRecorded events.
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { contentHash, contributionLedgerAbi, encodeWeights, initialWeights, layerLayout, parameterCount, parseModelSpec } from "@fedledger/client-sdk";
import { freePort } from "../fixtures/freePort.ts";
import { BENCH_DATASET_SIZE, BENCH_MNEMONIC, startBenchLedger } from "./lib/benchLedger.ts";
import { startLoadClients } from "./lib/startLoadClients.ts";
import type { BenchOptions } from "./run.ts";

/** 784 → 1250 → 15: 1,000,015 parameters (as the round benchmark). */
const MILLION_SPEC = { kind: "mlp", inputShape: [784], layers: [{ units: 1250, activation: "relu" }, { units: 15, activation: "softmax" }] };
/** 32 → 16 → 4: 596 parameters. */
const SMALL_SPEC = { kind: "mlp", inputShape: [32], layers: [{ units: 16, activation: "relu" }, { units: 4, activation: "softmax" }] };
const CASES = [
  { clients: 200, spec: MILLION_SPEC, rounds: 2 },
  { clients: 1_000, spec: SMALL_SPEC, rounds: 2 },
];
const WORKERS = 4;

type CaseResult = {
  clients: number;
  params: number;
  rounds: number;
  secondsPerRound: number;
  peakRssMb: number;
  rssPerClientMb: number;
  refusedHonest: number;
  recordedRounds: number;
  recordedUpdates: number;
};

function rssOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb("VmRSS"), peak: kb("VmHWM") };
  } catch {
    return undefined; // exited
  }
}

async function healthy(url: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the coordinator exited (${child.exitCode}) before serving`);
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function runCase(c: (typeof CASES)[number], dir: string): Promise<CaseResult> {
  const spec = parseModelSpec(c.spec);
  const layout = layerLayout(spec);
  const params = parameterCount(layout);
  process.stderr.write(`${c.clients} clients, ${params} parameters: registering\n`);
  const started = performance.now();
  const genesis = await contentHash(encodeWeights(initialWeights(spec, 0), layout));
  const { chain, ledger, publicClient } = await startBenchLedger({ participants: c.clients, genesisModelHash: genesis });
  process.stderr.write(`registered in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configFile = join(dir, "coordinator.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      chain: { rpcUrl: chain.rpcUrl, ledger },
      server: {
        port,
        finalModelGraceMs: 0,
        // The limits this case needs, set explicitly: every client dials from 127.0.0.1.
        maxConnections: c.clients + 16,
        maxConnectionsPerAddress: c.clients + 16,
        maxPendingLogins: c.clients,
        loginTimeoutMs: 300_000,
        ackTimeoutMs: 300_000,
      },
      rounds: { rounds: c.rounds, minFitClients: c.clients, minAvailableClients: c.clients, fitTimeoutMs: 900_000, availabilityTimeoutMs: 900_000 },
      model: { spec: c.spec },
      training: { epochs: 1, batchSize: 32, learningRate: 0.1 },
      storage: { dir: join(dir, "coordinator") },
    }),
  );
  const coordinator = spawn(process.execPath, ["--conditions=source", "coordinator/src/cli/main.ts", "start", "--config", configFile, "--log-level", "info"], {
    env: { ...process.env, FEDLEDGER_MNEMONIC: BENCH_MNEMONIC },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const configured = new Map<number, number>();
  const recorded = new Map<number, number>();
  const logFile = join(dir, "coordinator.log");
  createInterface({ input: coordinator.stdout! }).on("line", (line) => {
    appendFileSync(logFile, `${line}\n`);
    let entry: { msg?: string; round?: number; time?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (entry.round === undefined || entry.time === undefined) return;
    if (entry.msg === "round configured" && !configured.has(entry.round)) configured.set(entry.round, entry.time);
    if (entry.msg === "round recorded") recorded.set(entry.round, entry.time);
  });
  const exited = new Promise<number | null>((resolve) => coordinator.once("exit", resolve));
  await healthy(url, coordinator);
  const pid = coordinator.pid!;
  const idle = rssOf(pid)?.rss ?? 0;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid)?.peak ?? 0)), 100);

  const clients = startLoadClients({ url, clients: c.clients, spec: c.spec, numSamples: BENCH_DATASET_SIZE, processes: WORKERS });
  try {
    await clients.ready;
    process.stderr.write(`${c.clients} clients logged in; running ${c.rounds} rounds\n`);
    const code = await exited;
    if (code !== 0) throw new Error(`the coordinator exited with ${code}`);
  } catch (error) {
    const kept = join(tmpdir(), `fedledger-load-${c.clients}-coordinator.log`);
    copyFileSync(logFile, kept);
    process.stderr.write(`the coordinator's log: ${kept}\n`);
    throw error;
  } finally {
    clearInterval(sampler);
    clients.stop();
    if (coordinator.exitCode === null) coordinator.kill("SIGKILL");
  }
  const recordedRounds = await publicClient.getContractEvents({ address: ledger, abi: contributionLedgerAbi, eventName: "RoundRecorded", fromBlock: 0n });
  const recordedUpdates = await publicClient.getContractEvents({ address: ledger, abi: contributionLedgerAbi, eventName: "UpdateRecorded", fromBlock: 0n });
  await chain.close();
  const first = configured.get(1);
  const end = recorded.get(c.rounds);
  if (first === undefined || end === undefined) throw new Error("the coordinator's log lacks the round times");
  const refused = [...clients.refused.values()].reduce((a, b) => a + b, 0);
  if (refused > 0) process.stderr.write(`refused: ${JSON.stringify(Object.fromEntries(clients.refused))}\n`);
  const secondsPerRound = (end - first) / 1000 / c.rounds;
  process.stderr.write(
    `${c.clients} clients: ${secondsPerRound.toFixed(2)} s per round; coordinator RSS ${(idle / 1e6).toFixed(0)} MB idle, peak ${(peak / 1e6).toFixed(0)} MB\n`,
  );
  return {
    clients: c.clients,
    params,
    rounds: c.rounds,
    secondsPerRound: Number(secondsPerRound.toFixed(3)),
    peakRssMb: Math.round(peak / 1e6),
    rssPerClientMb: Number(((peak - idle) / 1e6 / c.clients).toFixed(3)),
    refusedHonest: refused,
    recordedRounds: recordedRounds.length,
    recordedUpdates: recordedUpdates.length,
  };
}

export async function run(options: BenchOptions = {}): Promise<Record<string, unknown>> {
  const only = process.argv.find((a) => a.startsWith("--clients="))?.slice("--clients=".length);
  const cases: CaseResult[] = [];
  for (const c of CASES.filter((x) => only === undefined || String(x.clients) === only)) {
    const dir = mkdtempSync(join(options.dir ?? tmpdir(), "fedledger-load-"));
    try {
      cases.push(await runCase(c, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { cases };
}
