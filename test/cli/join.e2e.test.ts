// `fedledger join` as participants run it: separate processes against a real chain and
// coordinator. Progress lines while training, the federation's end (exit 0 with a summary),
// Ctrl-C while still connecting, amounts in token units, and /healthz between rounds.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLedgerReader, datasetFingerprint } from "@fedledger/client-sdk";
import { erc20Abi, formatUnits } from "viem";
import type { Coordinator } from "@fedledger/coordinator";
import { loadDatasetSpec } from "../../client-sdk/src/cli/loadDatasetSpec.ts";
import { parseDatasetSpec } from "../../client-sdk/src/cli/parseDatasetSpec.ts";
import { createCreditLog } from "../../coordinator/src/cli/commands/creditLog.ts";
import { institution, type Institution, type LedgerHandle, startCoordinator, startLedger } from "../fixtures/coordinatorHarness.ts";
import { PARTICIPANT_CLI, runCli, writeSyntheticCsv } from "../fixtures/cliProcess.ts";
import { freePort } from "../fixtures/freePort.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const ROUNDS = 2;

type Joined = { child: ChildProcess; stdout: () => string; stderr: () => string; waitFor: (pattern: RegExp) => Promise<void>; exited: Promise<number | null> };

/** Spawns `fedledger join` on the sources; its output is collected, and `waitFor` resolves once stdout matches. */
function spawnJoin(args: readonly string[], env: Record<string, string>): Joined {
  const child = spawn(process.execPath, ["--conditions=source", PARTICIPANT_CLI, "join", ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? "", ...env } });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    for (const waiter of waiters) waiter();
  });
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(out)) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      void exited.then(() => (pattern.test(out) ? resolve() : reject(new Error(`exited without ${pattern}: ${out}\n${err}`))));
      check();
    });
  return { child, stdout: () => out, stderr: () => err, waitFor, exited };
}

describe("fedledger join (spawned) against a real coordinator and chain", () => {
  let work: string;
  let csvs: string[];
  let parties: Institution[];
  let ledger: LedgerHandle;
  let coordinator: Coordinator;
  let url: string;
  let env: (party: Institution) => Record<string, string>;
  let runs: { code: number | null; stdout: string; stderr: string }[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "fedledger-join-e2e-"));
    csvs = [join(work, "a.csv"), join(work, "b.csv")];
    parties = await Promise.all(
      csvs.map(async (file, i) => {
        await writeSyntheticCsv(file, 2000 + i, 96);
        const data = await loadDatasetSpec(parseDatasetSpec(`csv:${file}`, { labelColumn: "label" }));
        return { ...institution(i + 1), data, commitment: datasetFingerprint(data) };
      }),
    );
    ledger = await startLedger({ institutions: parties });
    ({ coordinator, url } = await startCoordinator(ledger, {
      rounds: { rounds: ROUNDS, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 20_000, availabilityTimeoutMs: 20_000 },
    }));
    env = (party) => ({ FEDLEDGER_PRIVATE_KEY: party.privateKey, FEDLEDGER_RPC_URL: ledger.chain.rpcUrl, FEDLEDGER_LEDGER: ledger.ledger });
    const common = ["--coordinator", url, "--label-column", "label"];
    const joined = [
      spawnJoin([...common, "--dataset", `csv:${csvs[0]}`], env(parties[0]!)),
      spawnJoin([...common, "--dataset", `csv:${csvs[1]}`, "--json"], env(parties[1]!)),
    ];
    const running = coordinator.run();
    expect(await running).toHaveLength(ROUNDS);
    runs = await Promise.all(joined.map(async (j) => ({ code: await j.exited, stdout: j.stdout(), stderr: j.stderr() })));
  }, 60_000);

  afterAll(async () => {
    await coordinator?.close();
    await ledger?.chain.close();
  });

  it("prints the connection, each epoch's progress, every round, and exits 0 once the federation finished", () => {
    const [human] = runs;
    expect(human!.code, human!.stderr).toBe(0);
    const lines = human!.stdout.trim().split("\n");
    expect(lines[0]).toBe(`connecting to ${url}…`);
    for (let round = 1; round <= ROUNDS; round++) {
      expect(lines.some((l) => l.startsWith(`round ${round}: training (deadline `))).toBe(true);
      for (const epoch of [1, 2]) expect(lines.some((l) => new RegExp(`^round ${round}: epoch ${epoch}/2 done, \\d+ batches \\(loss \\d`).test(l)), human!.stdout).toBe(true);
      expect(lines.some((l) => l.startsWith(`round ${round}: recorded on-chain in 0x`))).toBe(true);
    }
    expect(lines.at(-1)).toBe(`federation finished: round ${ROUNDS} was the last; training is over (updates acknowledged in ${ROUNDS} rounds)`);
    // The summary is JSON only with --json.
    expect(human!.stdout).not.toContain("roundsSubmitted");
  });

  it("with --json, stdout is only the summary (distinct rounds), and the progress goes to stderr", () => {
    const [, json] = runs;
    expect(json!.code, json!.stderr).toBe(0);
    expect(JSON.parse(json!.stdout)).toEqual({ roundsSubmitted: ROUNDS, finished: true, lastRound: ROUNDS });
    expect(json!.stderr).toContain(`federation finished: round ${ROUNDS} was the last`);
    expect(json!.stderr).toMatch(/round 1: epoch 2\/2 done/);
  });

  it("/healthz names the last recorded round between rounds", async () => {
    const health = (await (await fetch(`${url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, round: null, lastRecordedRound: ROUNDS });
  });

  it("a participant that logs in after the last round is told at once, and exits 0", async () => {
    const late = spawnJoin(["--coordinator", url, "--label-column", "label", "--dataset", `csv:${csvs[0]}`], env(parties[0]!));
    expect(await late.exited, late.stderr()).toBe(0);
    expect(late.stdout()).toContain(`federation finished: round ${ROUNDS} was the last; training is over (updates acknowledged in 0 rounds)`);
  });

  it("rewards and the coordinator's credit log show amounts in token units with the token's symbol", async () => {
    const [symbol, decimals] = await Promise.all([
      ledger.publicClient.readContract({ address: ledger.token, abi: erc20Abi, functionName: "symbol" }),
      ledger.publicClient.readContract({ address: ledger.token, abi: erc20Abi, functionName: "decimals" }),
    ]);
    const rewards = await runCli(PARTICIPANT_CLI, ["rewards"], env(parties[0]!));
    expect(rewards.code, rewards.stderr).toBe(0);
    expect(rewards.stdout).toMatch(new RegExp(`Credited\\s+[\\d.]+ ${symbol}\\b`));

    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)) });
    const credits = createCreditLog(createLedgerReader({ rpcUrl: ledger.chain.rpcUrl, ledger: ledger.ledger }), pino(sink));
    credits.log(1);
    await credits.flushed();
    expect(lines).toEqual([expect.objectContaining({ round: 1, credited: `${formatUnits(1_000n * 10n ** 18n, decimals)} ${symbol}`, participants: 2, msg: "round rewards credited" })]);
  });
});

describe("fedledger join while the coordinator is unreachable", () => {
  let party: Institution;
  let csv: string;
  let ledger: LedgerHandle;

  beforeAll(async () => {
    csv = join(await mkdtemp(join(tmpdir(), "fedledger-join-closed-")), "data.csv");
    await writeSyntheticCsv(csv, 2003, 96);
    const data = await loadDatasetSpec(parseDatasetSpec(`csv:${csv}`, { labelColumn: "label" }));
    party = { ...institution(3), data, commitment: datasetFingerprint(data) };
    ledger = await startLedger({ institutions: [party] });
  });
  afterAll(async () => {
    await ledger?.chain.close();
  });

  it("shows each reconnection attempt, and Ctrl-C stops it at once with a clear line", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const joining = spawnJoin(["--coordinator", closed, "--dataset", `csv:${csv}`, "--label-column", "label"], {
      FEDLEDGER_PRIVATE_KEY: party.privateKey,
      FEDLEDGER_RPC_URL: ledger.chain.rpcUrl,
      FEDLEDGER_LEDGER: ledger.ledger,
    });
    await joining.waitFor(new RegExp(`reconnecting to ${closed} \\(attempt 1\\)…`));
    expect(joining.stdout().split("\n")[0]).toBe(`connecting to ${closed}…`);
    const signalled = Date.now();
    joining.child.kill("SIGINT");
    expect(await joining.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(joining.stderr()).toContain("SIGINT: leaving the federation");
    expect(joining.stdout().trim().split("\n").at(-1)).toBe("left the federation (updates acknowledged in 0 rounds)");
  });
});
