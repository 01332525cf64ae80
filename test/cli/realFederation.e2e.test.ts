// README "Run a real federation", command by command: each a separate process, as the
// operator and two institutions run them, against a `hardhat node` child process. One
// institution trains on a CSV file, the other on IDX files; keys are keystore files.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { encodeIdx } from "../../client-sdk/src/data/idxFormat.ts";
import { syntheticDataset } from "../fixtures/coordinatorHarness.ts";
import { writeSyntheticCsv } from "../fixtures/cliProcess.ts";
import { freePort } from "../fixtures/freePort.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HARDHAT_CLI = join(dirname(createRequire(import.meta.url).resolve("hardhat/package.json")), "dist/src/cli.js");
const BINS = { fedledger: "client-sdk/bin/fedledger.mjs", "fedledger-operator": "coordinator/bin/fedledger-operator.mjs" } as const;
const ROUNDS = 2;

type Run = { code: number; stdout: string; stderr: string };
type Long = { child: ChildProcess; output: () => string; exited: Promise<number | null>; waitFor: (pattern: RegExp) => Promise<RegExpExecArray> };

const work = mkdtempSync(join(tmpdir(), "fedledger-real-"));
const file = (name: string) => join(work, name);
const deploymentId = `e2e-${process.pid}-${Date.now()}`;
const longRunning: ChildProcess[] = [];
let env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: work, FEDLEDGER_KEYSTORE_PASSPHRASE: "e2e passphrase" };

/** `npx <bin> args` without npx's start-up: the bin on the pinned Node, in the checkout, with `env` only. */
function run(bin: keyof typeof BINS, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BINS[bin], ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }),
    );
  });
}

async function ok(bin: keyof typeof BINS, args: readonly string[]): Promise<string> {
  const result = await run(bin, args);
  expect(result.code, `${bin} ${args.join(" ")}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/** A process that keeps running (the chain, the coordinator, a participant), in its own group so that afterAll kills it whole. */
function spawnLong(args: readonly string[]): Long {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true });
  longRunning.push(child);
  let output = "";
  const waiters = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of waiters) waiter();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (!match) return;
        waiters.delete(check);
        resolve(match);
      };
      waiters.add(check);
      void exited.then(() => reject(new Error(`exited without ${pattern}:\n${output}`)));
      check();
    });
  return { child, output: () => output, exited, waitFor };
}

afterAll(() => {
  for (const child of longRunning) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  rmSync(join(ROOT, "contracts/ignition/deployments", deploymentId), { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** The IDX pair the second institution holds: float samples of 4 values (dims [count, 4]), ubyte labels. */
function writeIdx(seed: number, count: number): string {
  const data = syntheticDataset(seed, count);
  writeFileSync(file("bob-images.idx"), encodeIdx({ dtype: "float", dims: [count, 4], data: data.features }));
  writeFileSync(file("bob-labels.idx"), encodeIdx({ dtype: "ubyte", dims: [count], data: Uint8Array.from(data.labels) }));
  return `idx:${file("bob-images.idx")},${file("bob-labels.idx")}`;
}

describe("README: Run a real federation", () => {
  it("chain, keys, config, deploy, register, fund, start, join (CSV and IDX), watch, claim, export, audit", async () => {
    // 1. A chain of its own.
    const chainPort = await freePort();
    const chain = spawnLong([HARDHAT_CLI, "node", "--hostname", "127.0.0.1", "--port", String(chainPort)]);
    await chain.waitFor(/Started HTTP/);
    const rpcUrl = `http://127.0.0.1:${chainPort}`;
    env = { ...env, FEDLEDGER_RPC_URL: rpcUrl };

    // 2. Keys, and gas for each on the dev chain (the README's curl, as the same JSON-RPC request).
    const [operator, alice, bob] = await Promise.all(
      [
        ["fedledger-operator", "operator.key"],
        ["fedledger", "alice.key"],
        ["fedledger", "bob.key"],
      ].map(async ([bin, key]) => /for (0x[0-9a-fA-F]{40})/.exec(await ok(bin as keyof typeof BINS, ["key", "new", "--out", file(key!)]))?.[1] ?? ""),
    );
    for (const address of [operator!, alice!, bob!]) {
      const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "hardhat_setBalance", params: [address, "0x56BC75E2D63100000"] });
      const response = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(await response.json()).toMatchObject({ result: true });
    }

    // 3. The config, then the edits the README lists.
    const coordinatorPort = await freePort();
    await writeSyntheticCsv(file("alice.csv"), 11, 48);
    await writeSyntheticCsv(file("holdout.csv"), 99, 48);
    const bobDataset = writeIdx(12, 48);
    const config = file("coordinator.json");
    await ok("fedledger-operator", ["init", "--out", config, "--rpc-url", rpcUrl]);
    const edit = (from: RegExp, to: string) => {
      const text = readFileSync(config, "utf8");
      expect(text).toMatch(from);
      writeFileSync(config, text.replace(from, to));
    };
    edit(/"port": \d+/, `"port": ${coordinatorPort}`);
    edit(/"rounds": \d+/, `"rounds": ${ROUNDS}`);
    edit(/"fitTimeoutMs": \d+/, `"fitTimeoutMs": 20000`);
    edit(/"inputShape": \[28, 28\]/, `"inputShape": [4]`);
    edit(/"units": 128/, `"units": 8`);
    edit(/"units": 10,/, `"units": 3,`);
    edit(/"training": \{[^}]*\}/, `"training": { "epochs": 1, "batchSize": 16, "learningRate": 0.1, "optimizer": "sgd" }`);
    edit(/"evaluation": \{[^}]*\}/, `"evaluation": { "dataset": ${JSON.stringify(`csv:${file("holdout.csv")}`)}, "labelColumn": "label" }`);
    edit(/"dir": "[^"]*"/, `"dir": ${JSON.stringify(file("store"))}`);

    // 4. Deploy from the operator's keystore; its ledger goes into the config.
    const deployed = await ok("fedledger-operator", ["deploy", "--config", config, "--keystore", file("operator.key"), "--rpc-url", rpcUrl, "--deployment-id", deploymentId]);
    const ledger = /^ledger (0x[0-9a-fA-F]{40})$/m.exec(deployed)?.[1] ?? "";
    expect(deployed).toContain(`from ${operator}`);
    expect(existsSync(join(ROOT, "contracts/ignition/deployments", deploymentId))).toBe(true);
    edit(/"ledger": "0x0{40}"/, `"ledger": "${ledger}"`);
    env = { ...env, FEDLEDGER_LEDGER: ledger };

    // 5. Each institution's fingerprint, registered by the operator.
    const fingerprints = await Promise.all(
      [
        ["csv:" + file("alice.csv"), "--label-column", "label"],
        [bobDataset],
      ].map(async (spec) => JSON.parse(await ok("fedledger", ["fingerprint", ...spec, "--json"])) as { commitment: string; datasetSize: number }),
    );
    for (const [who, print] of [
      [alice!, fingerprints[0]!],
      [bob!, fingerprints[1]!],
    ] as const) {
      expect(await ok("fedledger-operator", ["register", who, "--commitment", print.commitment, "--dataset-size", String(print.datasetSize), "--keystore", file("operator.key")])).toContain(`registered ${who}`);
    }

    // 6. Fund the rounds' budgets (1000 tokens each by default).
    expect(await ok("fedledger-operator", ["fund", String(1000 * ROUNDS), "--keystore", file("operator.key")])).toMatch(/^funded 2000 /);

    // 7-8. Start the coordinator; both institutions join, one on CSV, one on IDX.
    const coordinator = spawnLong([BINS["fedledger-operator"], "start", "--config", config, "--keystore", file("operator.key")]);
    await coordinator.waitFor(/"msg":"listening"/);
    const url = `http://127.0.0.1:${coordinatorPort}`;
    // 9 in the browser: the coordinator's dashboard (it waits for both institutions, so it is up).
    expect((await fetch(`${url}/dashboard/`)).status).toBe(200);
    expect(((await (await fetch(`${url}/dashboard/data.json`)).json()) as { ledger: string }).ledger).toBe(ledger);
    const joins = [
      spawnLong([BINS.fedledger, "join", "--coordinator", url, "--dataset", `csv:${file("alice.csv")}`, "--label-column", "label", "--keystore", file("alice.key"), "--model-dir", file("alice-model")]),
      spawnLong([BINS.fedledger, "join", "--coordinator", url, "--dataset", bobDataset, "--keystore", file("bob.key")]),
    ];

    // 9. Watch: the ledger's status while it runs; every process ends on its own after the last round.
    expect(await ok("fedledger-operator", ["status", "--keystore", file("operator.key")])).toMatch(/^ledger 0x[0-9a-fA-F]{40}: \d+ rounds recorded/);
    const codes = await Promise.all([coordinator.exited, ...joins.map((j) => j.exited)]);
    expect(codes, [coordinator.output(), ...joins.map((j) => j.output())].join("\n----\n")).toEqual([0, 0, 0]);
    for (const j of joins) expect(j.output()).toContain(`federation finished: round ${ROUNDS} was the last`);
    const status = JSON.parse(await ok("fedledger-operator", ["status", "--keystore", file("operator.key"), "--json"])) as { latestRound: number | string };
    expect(Number(status.latestRound)).toBe(ROUNDS);

    // An institution's view of its rewards per round.
    expect((await ok("fedledger", ["rewards", "--keystore", file("alice.key")])).toLowerCase()).toContain(alice!.toLowerCase());

    // 10. Each institution claims with its own key.
    for (const key of ["alice.key", "bob.key"]) {
      const claim = JSON.parse(await ok("fedledger", ["claim", "--keystore", file(key), "--json"])) as { amount: unknown };
      expect(BigInt(String(claim.amount))).toBeGreaterThan(0n);
    }

    // 9 once more: anyone's own dashboard of the chain, once the coordinator has gone: both rounds, both claims.
    const dashboard = spawnLong([BINS.fedledger, "dashboard", "--port", "0"]);
    const [page] = await dashboard.waitFor(/http:\/\/\S+\/dashboard\//);
    const shown = (await (await fetch(new URL("data.json", page))).json()) as { rounds: unknown[]; claims: unknown[] };
    expect([shown.rounds.length, shown.claims.length]).toEqual([ROUNDS, 2]);
    dashboard.child.kill("SIGTERM");
    expect(await dashboard.exited).toBe(0);

    // 11. Export the final model from the coordinator's store.
    await ok("fedledger", ["model", "export", "--store", file("store"), "--out", file("exported")]);
    expect(existsSync(file("exported/model.json")) && existsSync(file("exported/weights.bin"))).toBe(true);

    // 12. Audit every recorded round.
    const audit = JSON.parse(await ok("fedledger", ["audit", "--store", file("store"), "--json"])) as unknown;
    expect(JSON.stringify(audit)).not.toMatch(/"status":"(mismatch|error|unsupported)"/);
    expect(JSON.stringify(audit).match(/"status":"ok"/g)?.length ?? 0).toBeGreaterThanOrEqual(2 * ROUNDS);
  }, 120_000);
});
