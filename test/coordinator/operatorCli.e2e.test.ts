import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Address, createPublicClient, erc20Abi, getAddress, http, type PublicClient, zeroHash } from "viem";
import { hardhat } from "viem/chains";
import { contributionLedgerAbi } from "@fedledger/client-sdk";
import { startEmbeddedChain } from "../../coordinator/src/ledger/embeddedChain.ts";
import { expectTypedFailure } from "../fixtures/cliProcess.ts";
import { genesisHash, HARDHAT_MNEMONIC, institution, TINY_SPEC } from "../fixtures/coordinatorHarness.ts";
import { freePort } from "../fixtures/freePort.ts";

// The operator CLI as an operator runs it: a separate Node process against a real chain
// (EDR over loopback JSON-RPC), every effect checked by reading the chain with viem.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DEPLOYMENTS = join(ROOT, "contracts", "ignition", "deployments");

/** The parent's environment without any FEDLEDGER_* variable: each test says what it sets. */
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("FEDLEDGER_")));
const operatorEnv = { ...baseEnv, FEDLEDGER_MNEMONIC: HARDHAT_MNEMONIC };

type CliResult = { code: number | null; stdout: string; stderr: string };

function cli(args: readonly string[], env: NodeJS.ProcessEnv = operatorEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=source", "coordinator/src/cli/main.ts", ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("the operator CLI against a real chain", () => {
  const alice = institution(1);
  const bob = institution(2);
  const carol = institution(3);
  let chain: Awaited<ReturnType<typeof startEmbeddedChain>>;
  let publicClient: PublicClient;
  let dir: string;
  let configFile: string;
  let ledger: Address;
  let token: Address;
  const target = () => ["--rpc-url", chain.rpcUrl, "--ledger", ledger];
  const deploymentId = `test-cli-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    chain = await startEmbeddedChain();
    publicClient = createPublicClient({ chain: hardhat, transport: http(chain.rpcUrl) });
    dir = mkdtempSync(join(tmpdir(), "fedledger-cli-"));
    configFile = join(dir, "coordinator.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        // The schema wants a ledger address; deploy only reads the model from the config.
        chain: { rpcUrl: chain.rpcUrl, ledger: "0x0000000000000000000000000000000000000001" },
        model: { spec: TINY_SPEC },
        training: { epochs: 1, batchSize: 16, learningRate: 0.1 },
        storage: { dir: join(dir, "state") },
      }),
    );
  });

  afterAll(async () => {
    rmSync(join(DEPLOYMENTS, deploymentId), { recursive: true, force: true });
    await chain?.close();
  });

  it("deploy --json: the ledger has code, its genesis is the config's model, and its journal is kept under the deployment id", async () => {
    const result = await cli(["deploy", "--config", configFile, "--network", "localhost", "--rpc-url", chain.rpcUrl, "--deployment-id", deploymentId, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const deployed = JSON.parse(result.stdout) as { ledger: Address; token: Address; deploymentId: string; genesisModelHash: string };
    ledger = getAddress(deployed.ledger);
    token = getAddress(deployed.token);
    const expectedGenesis = await genesisHash();
    expect(deployed.genesisModelHash).toBe(expectedGenesis);

    expect((await publicClient.getCode({ address: ledger }))?.length ?? 0).toBeGreaterThan(2);
    expect((await publicClient.getCode({ address: token }))?.length ?? 0).toBeGreaterThan(2);
    const read = { address: ledger, abi: contributionLedgerAbi } as const;
    expect(await publicClient.readContract({ ...read, functionName: "genesisModelHash" })).toBe(expectedGenesis);
    expect(await publicClient.readContract({ ...read, functionName: "headModelHash" })).toBe(expectedGenesis);
    expect(getAddress(await publicClient.readContract({ ...read, functionName: "rewardToken" }))).toBe(token);
    // By default the admin (here the deployer) is the one release approver.
    const approverRole = await publicClient.readContract({ ...read, functionName: "APPROVER_ROLE" });
    expect(await publicClient.readContract({ ...read, functionName: "hasRole", args: [approverRole, getAddress((JSON.parse(result.stdout) as { deployer: string }).deployer)] })).toBe(true);

    // Ignition's journal is kept (a second deploy to this chain must be explicit), under the id given.
    expect(deployed.deploymentId).toBe(deploymentId);
    expect(existsSync(join(DEPLOYMENTS, deploymentId, "deployed_addresses.json"))).toBe(true);
    expect(existsSync(join(DEPLOYMENTS, "fedledger-chain-31337"))).toBe(false);
  });

  it("register: the participant is active on the ledger with its commitment and dataset size", async () => {
    for (const [inst, size] of [[alice, 96], [bob, 40]] as const) {
      const result = await cli(["register", inst.account.address, "--commitment", inst.commitment, "--dataset-size", String(size), ...target()]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^registered ${inst.account.address} with ${size} records, attestation none declared \\(tx 0x[0-9a-f]{64}\\)`));
    }
    const info = await publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "participantInfo", args: [alice.account.address] });
    expect(info.status).toBe(1);
    expect(info.datasetCommitment).toBe(alice.commitment);
    expect(info.datasetSize).toBe(96);
  });

  it("register refuses a dataset size that is not a whole number in [1, 2^48 - 1] before any transaction", async () => {
    const before = await publicClient.getBlockNumber();
    for (const size of ["0", "-1", "1.5", String(2 ** 48)]) {
      const stderr = expectTypedFailure(await cli(["register", carol.account.address, "--commitment", carol.commitment, "--dataset-size", size, ...target()]), "INVALID_CONFIG");
      expect(stderr).toContain(`--dataset-size must be a whole number of records from 1 to ${2 ** 48 - 1}`);
    }
    expect(await publicClient.getBlockNumber()).toBe(before);
    const info = await publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "participantInfo", args: [carol.account.address] });
    expect(info.status).toBe(0);
  });

  it("register the same address twice: refused with a typed error naming the ledger's custom error", async () => {
    const stderr = expectTypedFailure(await cli(["register", alice.account.address, "--commitment", alice.commitment, "--dataset-size", "96", ...target()]), "CHAIN_ERROR");
    expect(stderr).toContain("LedgerParticipantAlreadyRegistered");
  });

  it("deactivate: the participant becomes inactive", async () => {
    const result = await cli(["deactivate", bob.account.address, ...target(), "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout) as { txHash: string; gasUsed: string };
    const receipt = await publicClient.getTransactionReceipt({ hash: output.txHash as `0x${string}` });
    expect(receipt.status).toBe("success");
    expect(BigInt(output.gasUsed)).toBe(receipt.gasUsed);
    const info = await publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "participantInfo", args: [bob.account.address] });
    expect(info.status).toBe(2);
  });

  it("fund 123.5: the ledger holds and accounts 123.5 tokens", async () => {
    const result = await cli(["fund", "123.5", ...target()]);
    expect(result.code, result.stderr).toBe(0);
    const amount = 1235n * 10n ** 17n;
    expect(await publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "totalFunded" })).toBe(amount);
    expect(await publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [ledger] })).toBe(amount);
  });

  it("status --json: participants with their status, funded totals", async () => {
    const result = await cli(["status", ...target(), "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout) as {
      ledger: string;
      latestRound: string;
      genesisModelHash: string;
      totalFunded: string;
      totalCredited: string;
      participants: { address: string; status: string; credited: string; claimed: string; datasetCommitment: string; datasetSize: number; attestationDigest: string }[];
      releases: { threshold: string; count: string; current: unknown };
    };
    expect(getAddress(status.ledger)).toBe(ledger);
    expect(status.latestRound).toBe("0");
    expect(status.genesisModelHash).toBe(await genesisHash());
    expect(status.totalFunded).toBe((1235n * 10n ** 17n).toString());
    expect(status.totalCredited).toBe("0");
    expect(status.participants).toEqual([
      { address: alice.account.address, status: "active", credited: "0", claimed: "0", datasetCommitment: alice.commitment, datasetSize: 96, attestationDigest: zeroHash },
      { address: bob.account.address, status: "inactive", credited: "0", claimed: "0", datasetCommitment: bob.commitment, datasetSize: 40, attestationDigest: zeroHash },
    ]);
    // The deployer is the admin, and so the one approver of a release (k = 1).
    expect(status.releases).toEqual({ threshold: "1", count: "0", current: null });

    const human = await cli(["status", ...target()]);
    expect(human.code, human.stderr).toBe(0);
    // Amounts in token units, with the token's symbol.
    expect(human.stdout).toMatch(/funded 123\.5 [A-Z]+, credited 0 [A-Z]+/);
    expect(human.stdout).toMatch(new RegExp(`${bob.account.address} inactive +40 records, attestation none declared`));
    expect(human.stdout).toContain("releases: 0, 1 approval(s) each; current none");
  });

  it("refuses a missing --ledger and a bad address with INVALID_CONFIG", async () => {
    expectTypedFailure(await cli(["status", "--rpc-url", chain.rpcUrl]), "INVALID_CONFIG");
    expectTypedFailure(await cli(["status", "--rpc-url", chain.rpcUrl, "--ledger", "0x1234"]), "INVALID_CONFIG");
    expectTypedFailure(await cli(["deactivate", "0xnot-an-address", ...target()]), "INVALID_CONFIG");
    expectTypedFailure(await cli(["register", alice.account.address, "--commitment", "0x1234", "--dataset-size", "96", ...target()]), "INVALID_CONFIG");
  });

  it("refuses to run without an operator key (KEY_ERROR)", async () => {
    expectTypedFailure(await cli(["status", ...target()], baseEnv), "KEY_ERROR");
  });

  it("an unreachable RPC endpoint is a typed CHAIN_ERROR, for chain commands and for deploy", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    expectTypedFailure(await cli(["status", "--rpc-url", dead, "--ledger", ledger]), "CHAIN_ERROR");
    expectTypedFailure(await cli(["deploy", "--config", configFile, "--rpc-url", dead]), "CHAIN_ERROR");
  });

  it("an invalid config file: INVALID_CONFIG listing every problem, one per line; unreadable and non-JSON files too", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({
        chain: { rpcUrl: "not a url", ledger: "0x1234" },
        rounds: { minFitClients: 0 },
        model: { spec: TINY_SPEC },
        training: { epochs: 1, batchSize: 16, learningRate: -1 },
        colour: "blue",
      }),
    );
    // `start` validates the whole file before anything else.
    const stderr = expectTypedFailure(await cli(["start", "--config", bad]), "INVALID_CONFIG");
    const problems = stderr.trim().split("\n").slice(1);
    for (const path of ["chain.rpcUrl", "chain.ledger", "rounds.minFitClients", "training.learningRate", "(root)"]) {
      expect(problems.some((line) => line.startsWith(`${path}: `)), `${path} in\n${stderr}`).toBe(true);
    }
    expect(problems).toHaveLength(5);

    // `deploy` needs only the model (the ledger does not exist yet), and validates it.
    const badModel = join(dir, "bad-model.json");
    writeFileSync(badModel, JSON.stringify({ model: { spec: { kind: "mlp", inputShape: [4], layers: [] } } }));
    expectTypedFailure(await cli(["deploy", "--config", badModel, "--rpc-url", chain.rpcUrl]), "INVALID_CONFIG");

    const notJson = join(dir, "broken.json");
    writeFileSync(notJson, "{ chain: ");
    expectTypedFailure(await cli(["deploy", "--config", notJson]), "INVALID_CONFIG");
    expectTypedFailure(await cli(["deploy", "--config", join(dir, "missing.json")]), "INVALID_CONFIG");
  });
});
