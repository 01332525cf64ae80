import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { getAddress } from "viem";
import { parseCoordinatorConfig, parseJsonc } from "@fedledger/coordinator";
import { freePort } from "../fixtures/freePort.ts";

// The two commands as the README shows them, after `npm ci` alone: `npx fedledger …` and
// `npx fedledger-operator …`, from a shell whose first `node` is the machine's (Node 20
// here, which cannot run the TypeScript sources), and their key and config commands.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PARTICIPANT_BIN = "client-sdk/bin/fedledger.mjs";
const OPERATOR_BIN = "coordinator/bin/fedledger-operator.mjs";

/** PATH outside npm: without the node_modules/.bin entries npm and vitest put first, the machine's node first. */
const PATH = [...(existsSync("/usr/bin/node") ? ["/usr/bin"] : []), ...(process.env.PATH ?? "").split(delimiter).filter((dir) => !dir.includes(`node_modules${sep}.bin`))].join(delimiter);
const machineNode = PATH.split(delimiter)
  .map((dir) => join(dir, "node"))
  .find((file) => existsSync(file));

type Run = { code: number; stdout: string; stderr: string };

/** Runs `file args` in the repository with PATH, HOME and `env` only (none of the test's FEDLEDGER_* variables). */
function run(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, env: { PATH, HOME: process.env.HOME ?? tmpdir(), ...env }, timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }),
    );
  });
}
// --offline: a missing bin fails here instead of being looked up in the registry.
const npx = (args: readonly string[], env?: Record<string, string>) => run("npx", ["--offline", ...args], env);
// The bins on the pinned runtime (what npx runs them on), without npx's own start-up.
const participant = (args: readonly string[], env?: Record<string, string>) => run(process.execPath, [PARTICIPANT_BIN, ...args], env);
const operator = (args: readonly string[], env?: Record<string, string>) => run(process.execPath, [OPERATOR_BIN, ...args], env);

/** The command names in a commander help text's "Commands:" section. */
const commandsOf = (help: string) => [...(help.split("Commands:")[1] ?? "").matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]);

function expectTypedError(result: Run, exitCode: number, code: string, message?: string): void {
  expect(result.code, result.stderr).toBe(exitCode);
  expect(result.stderr.startsWith(`error [${code}]: ${message ?? ""}`), result.stderr).toBe(true);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe("npx fedledger and npx fedledger-operator with the machine's Node first on PATH", () => {
  it("the machine's node comes first on the test's PATH", async () => {
    expect(machineNode).toBeDefined();
    const version = await run(machineNode!, ["--version"]);
    expect(version.stdout.trim()).toMatch(/^v\d+\./);
  });

  it("npx fedledger --help: exit 0 and every participant command", async () => {
    const result = await npx(["fedledger", "--help"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: fedledger /);
    expect(commandsOf(result.stdout)).toEqual(expect.arrayContaining(["fingerprint", "key", "status", "rewards", "claim", "verify-model", "model", "predict", "join", "dashboard"]));
  });

  it("npx fedledger-operator --help: exit 0 and every operator command", async () => {
    const result = await npx(["fedledger-operator", "--help"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: fedledger-operator /);
    expect(commandsOf(result.stdout)).toEqual(expect.arrayContaining(["init", "key", "deploy", "register", "deactivate", "fund", "status", "start"]));
  });

  it("started by the machine's own node, the bins re-run on the pinned Node; exit codes and errors pass through", async () => {
    const version = await run(machineNode!, [PARTICIPANT_BIN, "--version"]);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const target = ["status", "--rpc-url", "http://127.0.0.1:9", "--ledger", "0x0000000000000000000000000000000000000001"];
    expectTypedError(await run(machineNode!, [OPERATOR_BIN, ...target]), 2, "KEY_ERROR", "No operator key");
    expectTypedError(await npx(["fedledger-operator", ...target]), 2, "KEY_ERROR", "No operator key");
    expectTypedError(await npx(["fedledger", "no-such-command"]), 1, "INVALID_CONFIG");
  });
});

describe("key new and key address, in both commands", () => {
  const dir = mkdtempSync(join(tmpdir(), "fedledger-keys-"));
  const passphrase = { FEDLEDGER_KEYSTORE_PASSPHRASE: "correct horse battery staple" };
  const wrong = { FEDLEDGER_KEYSTORE_PASSPHRASE: "wrong" };

  it("fedledger key new writes an encrypted v3 keystore that --keystore reads back; never overwrites; a wrong passphrase is KEY_ERROR", async () => {
    const file = join(dir, "participant.json");
    const created = await participant(["key", "new", "--out", file], passphrase);
    expect(created.code, created.stderr).toBe(0);
    const address = getAddress(/for (0x[0-9a-fA-F]{40})/.exec(created.stdout)?.[1] ?? "");
    const keystore = JSON.parse(readFileSync(file, "utf8")) as { version: number; address: string; crypto: { kdf: string; cipher: string } };
    expect(keystore).toMatchObject({ version: 3, address: address.slice(2).toLowerCase(), crypto: { kdf: "scrypt", cipher: "aes-128-ctr" } });
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const shown = await participant(["key", "address", "--keystore", file], passphrase);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.trim()).toBe(address);
    // The operator's command reads the same file.
    const operatorShown = await operator(["key", "address", "--keystore", file, "--json"], passphrase);
    expect(operatorShown.code, operatorShown.stderr).toBe(0);
    expect(JSON.parse(operatorShown.stdout)).toEqual({ address });

    const before = readFileSync(file, "utf8");
    expectTypedError(await participant(["key", "new", "--out", file], passphrase), 1, "KEY_ERROR", `${file} exists`);
    expect(readFileSync(file, "utf8")).toBe(before);

    expectTypedError(await participant(["key", "address", "--keystore", file], wrong), 1, "KEY_ERROR", "Wrong keystore passphrase");
    expectTypedError(await operator(["key", "address", "--keystore", file], wrong), 2, "KEY_ERROR", "Wrong keystore passphrase");
  });

  it("fedledger-operator key new; without a passphrase and without a terminal, KEY_ERROR and no file", async () => {
    const file = join(dir, "operator.json");
    const created = await operator(["key", "new", "--out", file, "--json"], passphrase);
    expect(created.code, created.stderr).toBe(0);
    const { address } = JSON.parse(created.stdout) as { address: string; file: string };
    const shown = await participant(["key", "address", "--keystore", file], passphrase);
    expect(shown.stdout.trim()).toBe(address);

    const none = join(dir, "none.json");
    expectTypedError(await operator(["key", "new", "--out", none]), 2, "KEY_ERROR", "No passphrase: set FEDLEDGER_KEYSTORE_PASSPHRASE");
    expectTypedError(await participant(["key", "new", "--out", none]), 1, "KEY_ERROR", "No passphrase: set FEDLEDGER_KEYSTORE_PASSPHRASE");
    expect(existsSync(none)).toBe(false);
  });

  it("on a terminal, without the variable, key new asks for the passphrase twice without echoing it", async () => {
    const file = join(dir, "typed.json");
    // `script` runs the command on a pseudo-terminal; each answer is typed once its prompt shows.
    const child = spawn("script", ["-qec", `${process.execPath} ${OPERATOR_BIN} key new --out ${file}`, "/dev/null"], {
      cwd: ROOT,
      env: { PATH, HOME: process.env.HOME ?? tmpdir() },
    });
    let output = "";
    const prompts = ["Passphrase for the new key: ", "Repeat it: "];
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      while (prompts.length > 0 && output.includes(prompts[0]!)) {
        prompts.shift();
        child.stdin.write("typed secret\r");
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code, output).toBe(0);
    expect(output).not.toContain("typed secret");
    const address = /for (0x[0-9a-fA-F]{40})/.exec(output)?.[1];
    const shown = await participant(["key", "address", "--keystore", file], { FEDLEDGER_KEYSTORE_PASSPHRASE: "typed secret" });
    expect(shown.stdout.trim()).toBe(address);
  });

  it("--help of every key-taking command lists the variables it reads", async () => {
    // One of each way a command gets its key options (the others share them).
    const helps = await Promise.all([
      ...[["status"], ["claim"], ["join"], ["key", "address"]].map(async (command) => ({ command, help: await participant([...command, "--help"]), variables: ["FEDLEDGER_PRIVATE_KEY", "FEDLEDGER_KEYSTORE_PASSPHRASE"] })),
      ...[["start"], ["register"], ["key", "address"]].map(async (command) => ({ command, help: await operator([...command, "--help"]), variables: ["FEDLEDGER_OPERATOR_KEY", "FEDLEDGER_MNEMONIC", "FEDLEDGER_KEYSTORE_PASSPHRASE"] })),
    ]);
    for (const { command, help, variables } of helps) {
      expect(help.code, help.stderr).toBe(0);
      for (const variable of variables) expect(help.stdout, command.join(" ")).toContain(variable);
    }
  });
});

describe("fedledger-operator init", () => {
  it("writes a commented config that the loader reads back valid; start reads it; never overwrites", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fedledger-init-"));
    const file = join(dir, "coordinator.json");
    const dead = `http://127.0.0.1:${await freePort()}`;
    const ledger = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const written = await operator(["init", "--out", file, "--rpc-url", dead, "--ledger", ledger]);
    expect(written.code, written.stderr).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(/^\s*\/\/ /m);
    const config = parseCoordinatorConfig(parseJsonc(text));
    expect(config.chain).toEqual({ rpcUrl: dead, ledger });

    // start parses it (comments and all), then stops at the first preflight check: the chain is not there.
    const started = await operator(["start", "--config", file], { FEDLEDGER_OPERATOR_KEY: `0x${"11".repeat(32)}` });
    expectTypedError(started, 2, "CHAIN_ERROR", `Cannot reach the chain at ${dead} (chain.rpcUrl)`);
    expect(started.stdout).not.toContain("listening");

    expectTypedError(await operator(["init", "--out", file]), 2, "INVALID_CONFIG", `${file} exists`);
    expect(readFileSync(file, "utf8")).toBe(text);
  });
});
