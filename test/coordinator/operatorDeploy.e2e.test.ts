import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Address, createPublicClient, erc20Abi, getAddress, type Hex, http, type PublicClient, zeroHash } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { hardhat } from "viem/chains";
import { contributionLedgerAbi, type FedLedgerError, loadPrivateKey } from "@fedledger/client-sdk";
import { type DeployParameters, deployWithIgnition } from "../../coordinator/src/ledger/deployWithIgnition.ts";
import { startEmbeddedChain } from "../../coordinator/src/ledger/embeddedChain.ts";
import { roleByName } from "../../coordinator/src/ledger/ledgerRoles.ts";
import { expectTypedFailure, OPERATOR_CLI, runCli } from "../fixtures/cliProcess.ts";
import { HARDHAT_MNEMONIC, institution, TINY_SPEC } from "../fixtures/coordinatorHarness.ts";

// `fedledger-operator deploy` and the ledger administration commands, each a separate
// process against a real chain (EDR over loopback JSON-RPC), checked by reading the chain.
const DEPLOYMENTS = fileURLToPath(new URL("../../contracts/ignition/deployments/", import.meta.url));

/** Four funded keys of the chain, none its default first account: deployer, admin, registrar, coordinator. */
const keys = await Promise.all([5, 6, 7, 8].map((addressIndex) => loadPrivateKey({ kind: "mnemonic", mnemonic: HARDHAT_MNEMONIC, addressIndex })));
const [deployer, admin, registrar, coordinator] = keys.map((key) => privateKeyToAddress(key)) as [Address, Address, Address, Address];
const as = (key: Hex | undefined) => ({ FEDLEDGER_OPERATOR_KEY: key ?? "" });
const [asDeployer, asAdmin, asRegistrar] = [as(keys[0]), as(keys[1]), as(keys[2])];

describe("fedledger-operator deploy and ledger administration, on a real chain", () => {
  const alice = institution(1);
  const run = `${process.pid}-${Date.now()}`;
  const firstId = `test-deploy-${run}`;
  const secondId = `test-deploy-${run}-b`;
  const thirdId = `test-deploy-${run}-c`;
  const staleId = `test-deploy-${run}-stale`;
  let chain: Awaited<ReturnType<typeof startEmbeddedChain>>;
  let publicClient: PublicClient;
  let configFile: string;
  let ledger: Address;
  let token: Address;
  const deploy = (args: readonly string[]) =>
    runCli(OPERATOR_CLI, ["deploy", "--config", configFile, "--network", "localhost", "--rpc-url", chain.rpcUrl, "--json", ...args], asDeployer);
  const onLedger = (args: readonly string[], env: Record<string, string>) => runCli(OPERATOR_CLI, [...args, "--rpc-url", chain.rpcUrl, "--ledger", ledger], env);
  const hasRole = (role: string, account: Address) =>
    publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "hasRole", args: [roleByName(role), account] });

  beforeAll(async () => {
    chain = await startEmbeddedChain();
    publicClient = createPublicClient({ chain: hardhat, transport: http(chain.rpcUrl) });
    const dir = mkdtempSync(join(tmpdir(), "fedledger-deploy-"));
    configFile = join(dir, "coordinator.json");
    writeFileSync(configFile, JSON.stringify({ model: { spec: TINY_SPEC } }));
  });

  afterAll(async () => {
    for (const id of [firstId, secondId, thirdId, staleId]) rmSync(join(DEPLOYMENTS, id), { recursive: true, force: true });
    await chain?.close();
  });

  it("deploys from the operator's key with distinct admin, registrar and coordinator, and a budget in tokens", async () => {
    const result = await deploy(["--deployment-id", firstId, "--admin", admin, "--registrar", registrar, "--coordinator", coordinator, "--budget", "12.5"]);
    expect(result.code, result.stderr).toBe(0);
    const deployed = JSON.parse(result.stdout) as { ledger: Address; token: Address; deploymentId: string; deployer: Address; reused: boolean };
    expect(deployed).toMatchObject({ deploymentId: firstId, deployer, reused: false });
    ledger = getAddress(deployed.ledger);
    token = getAddress(deployed.token);

    // The role names are the contract's own constants.
    for (const [name, getter] of [["registrar", "REGISTRAR_ROLE"], ["coordinator", "COORDINATOR_ROLE"]] as const) {
      expect(await publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: getter })).toBe(roleByName(name));
    }
    expect(roleByName("admin")).toBe(zeroHash);
    // Each role went to its address only: the deployer handed the admin role over and kept none.
    expect([await hasRole("admin", admin), await hasRole("registrar", registrar), await hasRole("coordinator", coordinator)]).toEqual([true, true, true]);
    for (const role of ["admin", "registrar", "coordinator", "approver"]) expect(await hasRole(role, deployer), role).toBe(false);
    // Without --approver, the admin approves releases alone (k = 1).
    expect(await hasRole("approver", admin)).toBe(true);
    expect(await publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "releaseThreshold" })).toBe(1n);
    expect(await publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "roundBudget" })).toBe(125n * 10n ** 17n);
    // The token's supply went to the deployer: the operator's key deployed, not the chain's first account.
    const supply = await publicClient.readContract({ address: token, abi: erc20Abi, functionName: "totalSupply" });
    expect(await publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [deployer] })).toBe(supply);
  });

  it("a second deploy to the chain is refused, naming --reuse and --deployment-id; --reuse returns the addresses; a new id deploys anew", async () => {
    const before = await publicClient.getBlockNumber();
    // A journal whose ledger has no code: a chain reset since.
    mkdirSync(join(DEPLOYMENTS, staleId), { recursive: true });
    writeFileSync(join(DEPLOYMENTS, staleId, "deployed_addresses.json"), JSON.stringify({ "FedLedgerToken#RewardToken": alice.account.address, "FedLedger#ContributionLedger": alice.account.address }));
    // Deploys run one at a time: each compiles first, and parallel compiles race on Hardhat's cache.
    const again = await deploy(["--deployment-id", firstId]);
    const stderr = expectTypedFailure(again, "INVALID_CONFIG");
    expect(stderr).toContain(`Already deployed to chain 31337 as "${firstId}" (ledger ${ledger})`);
    expect(stderr).toContain("pass --reuse to use that deployment, or --deployment-id NAME to deploy a new one");
    const reused = await deploy(["--deployment-id", firstId, "--reuse"]);
    expect(reused.code, reused.stderr).toBe(0);
    expect(JSON.parse(reused.stdout)).toMatchObject({ ledger, token, deploymentId: firstId, reused: true });
    expect(await publicClient.getBlockNumber()).toBe(before);

    // The refusals deployWithIgnition makes before any transaction, called in this process.
    const attempt = (p: Partial<DeployParameters>) =>
      deployWithIgnition({ networkName: "localhost", rpcUrl: chain.rpcUrl, genesisModelHash: zeroHash, keepJournal: true, ...p }).then(
        () => expect.fail("deployed"),
        (error: unknown) => error as FedLedgerError,
      );
    expect(await attempt({ deploymentId: secondId, roundBudget: { tokens: "lots" } })).toMatchObject({ code: "INVALID_CONFIG", shortMessage: expect.stringContaining("The round budget must be a number of tokens") });
    expect(await attempt({ deploymentId: "../outside" })).toMatchObject({ code: "INVALID_CONFIG", shortMessage: expect.stringContaining("A deployment id starts with a letter") });
    expect(await attempt({ deploymentId: secondId, approvers: [admin, admin] })).toMatchObject({ code: "INVALID_CONFIG", shortMessage: "An approver is named twice" });
    expect(await attempt({ deploymentId: secondId, approvers: [admin, registrar], releaseThreshold: 3 })).toMatchObject({
      code: "INVALID_CONFIG",
      shortMessage: expect.stringContaining("The release threshold must be a whole number from 1 to the number of approvers (2)"),
    });
    expect(await attempt({ deploymentId: secondId, releaseThreshold: 0 })).toMatchObject({ code: "INVALID_CONFIG" });
    expect(await attempt({ deploymentId: secondId, reuse: true })).toMatchObject({ code: "INVALID_CONFIG", shortMessage: `Nothing to reuse: no deployment "${secondId}" was made on chain 31337` });
    expect(await attempt({ deploymentId: staleId, reuse: true })).toMatchObject({
      code: "INVALID_CONFIG",
      shortMessage: expect.stringContaining(`records the ledger ${alice.account.address}, which has no code on chain 31337`),
    });
    expect(await publicClient.getBlockNumber()).toBe(before);

    const fresh = await deploy(["--deployment-id", secondId, "--admin", deployer]);
    expect(fresh.code, fresh.stderr).toBe(0);
    const second = getAddress((JSON.parse(fresh.stdout) as { ledger: Address }).ledger);
    expect(second).not.toBe(ledger);
    expect((await publicClient.getCode({ address: second }))?.length ?? 0).toBeGreaterThan(2);
    // Without role flags (or naming itself), the deployer holds every role.
    for (const role of ["admin", "registrar", "coordinator"]) {
      expect(await publicClient.readContract({ address: second, abi: contributionLedgerAbi, functionName: "hasRole", args: [roleByName(role), deployer] }), role).toBe(true);
    }
  });

  it("reactivate, pause, unpause, grant-role and revoke-role change the ledger", async () => {
    // The registrar's commands, then the admin's (a pause stops the registrar's); meanwhile a budget finer than the token's decimals.
    const registrarCommands = async () => {
      for (const args of [["register", alice.account.address, "--commitment", alice.commitment, "--dataset-size", "96"], ["deactivate", alice.account.address], ["reactivate", alice.account.address]]) {
        const result = await onLedger(args, asRegistrar);
        expect(result.code, result.stderr).toBe(0);
      }
    };
    const [tooFine] = await Promise.all([
      deploy(["--deployment-id", thirdId, "--budget", "1.0000000000000000001"]),
      registrarCommands().then(adminCommands),
    ]);
    const info = await publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "participantInfo", args: [alice.account.address] });
    expect(info.status).toBe(1);
    expect(expectTypedFailure(tooFine, "INVALID_CONFIG")).toContain("The round budget 1.0000000000000000001 does not fit the token (18 decimals");
  });

  async function adminCommands() {
    const paused = () => publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "paused" });
    const pause = await onLedger(["pause"], asAdmin);
    expect(pause.stdout, pause.stderr).toMatch(/^paused the ledger \(tx 0x[0-9a-f]{64}\)/);
    expect(await paused()).toBe(true);
    expect((await onLedger(["unpause"], asAdmin)).code).toBe(0);
    expect(await paused()).toBe(false);

    const granted = await onLedger(["grant-role", "COORDINATOR", alice.account.address], asAdmin);
    expect(granted.stdout, granted.stderr).toContain(`granted COORDINATOR to ${alice.account.address}`);
    expect(await hasRole("coordinator", alice.account.address)).toBe(true);
    expect((await onLedger(["revoke-role", "coordinator", alice.account.address], asAdmin)).code).toBe(0);
    expect(await hasRole("coordinator", alice.account.address)).toBe(false);
  }

  it("a key without the role is refused with the role's name; an unknown role name lists the roles", async () => {
    const before = await publicClient.getBlockNumber();
    const [pause, grant, register, unknown] = await Promise.all([
      onLedger(["pause"], asDeployer),
      onLedger(["grant-role", "registrar", deployer], asRegistrar),
      onLedger(["register", deployer, "--commitment", alice.commitment, "--dataset-size", "10"], asAdmin),
      onLedger(["grant-role", "auditor", deployer], asAdmin),
    ]);
    expect(expectTypedFailure(pause, "MISSING_ROLE")).toContain(`reverted: ${deployer} lacks the ADMIN role`);
    expect(expectTypedFailure(grant, "MISSING_ROLE")).toContain(`${registrar} lacks the ADMIN role`);
    expect(expectTypedFailure(register, "MISSING_ROLE")).toContain(`${admin} lacks the REGISTRAR role`);
    expect(expectTypedFailure(unknown, "INVALID_CONFIG")).toContain('Unknown role "auditor": the ledger\'s roles are');
    expect(await publicClient.getBlockNumber()).toBe(before);
  });
});
