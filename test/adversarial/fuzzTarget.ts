import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { contributionLedgerAbi, createParticipant } from "@fedledger/client-sdk";
import { coordinatorConfig, HARDHAT_MNEMONIC, institution, startLedger, tinyLayout } from "../fixtures/coordinatorHarness.ts";
import { freePort } from "../fixtures/freePort.ts";
import type { FuzzIdentity } from "./sessionLane.ts";

const CHILD = fileURLToPath(new URL("./coordinatorProcess.ts", import.meta.url));

type ChildMessage =
  | { type: "listening"; url: string }
  | { type: "recorded"; round: number }
  | { type: "memory"; rss: number; heapUsed: number; external: number; polluted: boolean }
  | { type: "engineStopped"; error?: string };

export type Memory = { rss: number; heapUsed: number; external: number; polluted: boolean };

/**
 * What the fuzzer attacks: a real chain with the ledger, a coordinator in a child process
 * (so a crash is seen, and its memory measured alone), and two honest participants
 * training with the SDK in this process, who keep rounds going throughout. Two more
 * registered participants are the fuzzer's own identities; they are selected each round
 * and never send a valid update, so every round closes at its deadline.
 *
 * Limits are raised where the fuzzer would hit them as an ordinary flood (all its
 * connections come from 127.0.0.1 and it sends thousands of events per socket); the
 * login deadline, pending-login and total connection limits keep their defaults.
 */
export async function startFuzzTarget(options: { dir?: string; fitTimeoutMs?: number } = {}) {
  const honest = [institution(1), institution(2)];
  const fuzzers = [institution(21), institution(22)];
  const ledger = await startLedger({ institutions: [...honest, ...fuzzers] });
  const storage = mkdtempSync(join(options.dir ?? tmpdir(), "fedledger-fuzz-"));
  const config = coordinatorConfig(ledger, ledger.chain.rpcUrl, {
    server: { port: await freePort(), ackTimeoutMs: 2_000, maxConnectionsPerAddress: 512, submissionsPerMinute: 10_000_000, submissionBurst: 1_000_000 },
    rounds: { rounds: 1_000_000, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: options.fitTimeoutMs ?? 3_000, availabilityTimeoutMs: 60_000, retryBackoffMs: 100 },
    storage: { dir: storage },
  });

  let child: ChildProcess | undefined;
  let expectedExit = false;
  let crashes = 0;
  let recorded = 0;
  const errors: string[] = [];
  const engineStops: string[] = [];
  const listeners = new Set<(message: ChildMessage) => void>();

  /** Resolves with the next child message of `type` that passes `until`; rejects after `timeoutMs`. */
  const next = <T extends ChildMessage["type"]>(type: T, timeoutMs: number, until: (m: Extract<ChildMessage, { type: T }>) => boolean = () => true) =>
    new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
      const listener = (message: ChildMessage) => {
        if (message.type !== type || !until(message as Extract<ChildMessage, { type: T }>)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(message as Extract<ChildMessage, { type: T }>);
      };
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`no ${type} from the coordinator within ${timeoutMs} ms`));
      }, timeoutMs);
      listeners.add(listener);
    });

  const startChild = async (): Promise<string> => {
    expectedExit = false;
    const started = spawn(process.execPath, ["--conditions=source", "--expose-gc", CHILD, JSON.stringify(config)], {
      env: { ...process.env, FEDLEDGER_MNEMONIC: HARDHAT_MNEMONIC },
      stdio: ["ignore", "inherit", "pipe", "ipc"],
    });
    child = started;
    started.stderr!.setEncoding("utf8");
    started.stderr!.on("data", (chunk: string) => {
      for (const line of chunk.split("\n").filter(Boolean)) if (errors.length < 50) errors.push(line.slice(0, 500));
    });
    started.on("exit", (code, signal) => {
      if (expectedExit) return;
      crashes += 1;
      errors.push(`coordinator exited: code ${code}, signal ${signal}`);
    });
    started.on("message", (message: ChildMessage) => {
      if (message.type === "recorded") recorded = Math.max(recorded, message.round);
      if (message.type === "engineStopped" && !expectedExit) engineStops.push(message.error ?? "finished");
      for (const listener of [...listeners]) listener(message);
    });
    const died = new Promise<never>((_, reject) => started.once("exit", () => reject(new Error(`the coordinator exited: ${errors.join("\n")}`))));
    died.catch(() => {}); // a later exit is counted as a crash, not thrown here
    return (await Promise.race([next("listening", 120_000), died])).url;
  };

  const url = await startChild();
  const chainId = ledger.publicClient.chain.id;
  const participants = honest.map((inst) =>
    createParticipant({ coordinatorUrl: url, chainId, ledger: ledger.ledger, account: inst.account, data: inst.data, datasetCommitment: inst.commitment, reconnectDelayMs: 100, reconnectDelayMaxMs: 1_000 }),
  );
  await Promise.all(participants.map((p) => p.start()));

  return {
    url,
    layout: tinyLayout,
    identities: fuzzers.map((i): FuzzIdentity => ({ account: i.account, commitment: i.commitment })),
    outsider: institution(99).account.address,
    crashes: () => crashes,
    /** Error lines the coordinator logged, and its exit if unexpected. */
    errors: () => [...errors],
    /** Set when the round engine returned or threw (it must not, with rounds left). */
    engineStops: () => [...engineStops],
    isDown: () => child?.exitCode !== null || child?.signalCode !== null,
    /** The coordinator's RSS, heap and external memory after two full GCs, and whether Object.prototype changed. */
    async memory(): Promise<Memory> {
      const reply = next("memory", 30_000);
      child!.send({ type: "memory" });
      const { rss, heapUsed, external, polluted } = await reply;
      return { rss, heapUsed, external, polluted };
    },
    /** The ledger's latest recorded round. */
    latestRound: async () => Number(await ledger.publicClient.readContract({ address: ledger.ledger, abi: contributionLedgerAbi, functionName: "latestRound" })),
    /** Waits until round `round` is recorded (the coordinator says so), then reads the ledger. */
    async waitForRound(round: number, timeoutMs = 60_000): Promise<number> {
      if (recorded < round) await next("recorded", timeoutMs, (m) => m.round >= round);
      return Number(await ledger.publicClient.readContract({ address: ledger.ledger, abi: contributionLedgerAbi, functionName: "latestRound" }));
    },
    /** Closes the coordinator and starts a new one on the same storage directory and port. */
    async restart(): Promise<void> {
      expectedExit = true;
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child!.send({ type: "close" });
      await exited;
      await startChild();
    },
    async close(): Promise<void> {
      await Promise.all(participants.map((p) => p.stop()));
      if (child && child.exitCode === null && child.signalCode === null) {
        expectedExit = true;
        const exited = new Promise((resolve) => child!.once("exit", resolve));
        child.send({ type: "close" });
        await exited;
      }
      await ledger.chain.close();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}

export type FuzzTarget = Awaited<ReturnType<typeof startFuzzTarget>>;
