import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import hre, { network } from "hardhat";
import { type Address, erc20Abi, getAddress, type Hex, maxUint128, parseUnits, type PublicClient } from "viem";
import { FedLedgerError } from "@fedledger/client-sdk";
import FedLedgerModule, { operatorDeploymentModule, RewardTokenModule } from "../../../contracts/ignition/modules/FedLedger.ts";

export type DeployParameters = {
  /** A network named in hardhat.config.ts ("localhost", "remote"), optionally with its URL overridden. */
  networkName: string;
  rpcUrl?: string;
  /** The deployer's private key. Without it, the network's accounts (a local node's first unlocked one). */
  deployerKey?: Hex;
  genesisModelHash: Hex;
  /** In the token's smallest unit, or in whole tokens (`{ tokens: "12.5" }`) at the deployed token's decimals. */
  roundBudget?: bigint | { tokens: string };
  /** Receives the admin role from the deployer (which then renounces it). Default: the deployer keeps it. */
  admin?: Address;
  coordinator?: Address;
  registrar?: Address;
  /** Hold the approver role (approve, deprecate and roll back model releases). Default: the admin. */
  approvers?: readonly Address[];
  /** Approvals a release needs: 1 to the number of approvers (default 1). */
  releaseThreshold?: number;
  /**
   * Keep Ignition's deployment journal (real networks, and any chain one may deploy to
   * twice): a second deploy with the same id is refused unless `reuse`. Ephemeral
   * deployments (the default) discard it.
   */
  keepJournal?: boolean;
  /** The kept journal's name; default `fedledger-chain-<chainId>`. */
  deploymentId?: string;
  /** With a kept journal: return its deployment's addresses (or resume it if it was interrupted). */
  reuse?: boolean;
};

export type Deployment = { ledger: Address; token: Address; deploymentId: string; deployer: Address; reused: boolean };

/** Deploys the reward token and the ledger through the project's one Ignition module. */
export async function deployWithIgnition(p: DeployParameters): Promise<Deployment> {
  if (typeof p.roundBudget === "object" && !/^[0-9]+(\.[0-9]+)?$/.test(p.roundBudget.tokens)) {
    throw new FedLedgerError("INVALID_CONFIG", `The round budget must be a number of tokens, like 1000 or 12.5`, { details: `got ${JSON.stringify(p.roundBudget.tokens)}` });
  }
  const threshold = p.releaseThreshold ?? 1;
  const approvers = p.approvers ?? [];
  if (new Set(approvers.map((a) => getAddress(a))).size !== approvers.length) {
    throw new FedLedgerError("INVALID_CONFIG", "An approver is named twice", { details: approvers.join(", ") });
  }
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > Math.max(approvers.length, 1) || threshold > 255) {
    throw new FedLedgerError("INVALID_CONFIG", `The release threshold must be a whole number from 1 to the number of approvers (${Math.max(approvers.length, 1)})`, {
      details: `got ${threshold}`,
    });
  }
  // Ignition's rule for deployment ids; the id also names the journal's folder.
  if (p.deploymentId !== undefined && !/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(p.deploymentId)) {
    throw new FedLedgerError("INVALID_CONFIG", "A deployment id starts with a letter and has only letters, digits, _ and -", { details: `got ${JSON.stringify(p.deploymentId)}` });
  }
  const override = { ...(p.rpcUrl ? { url: p.rpcUrl } : {}), ...(p.deployerKey ? { accounts: [p.deployerKey] } : {}) };
  const connection = await network.create({ network: p.networkName, override });
  const publicClient = await connection.viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  const [wallet] = await connection.viem.getWalletClients();
  if (!wallet) throw new FedLedgerError("KEY_ERROR", `The network ${p.networkName} has no account to deploy from`);
  const deployer = getAddress(wallet.account.address);
  const keep = p.keepJournal ?? false;
  const deploymentId = p.deploymentId ?? (keep ? `fedledger-chain-${chainId}` : `ephemeral-${process.pid}-${Date.now()}`);
  const journal = join(hre.config.paths.ignition, "deployments", deploymentId);
  if (keep) {
    const existing = await existingDeployment(journal, deploymentId, chainId, publicClient, p.reuse ?? false);
    if (existing) return { ...existing, deploymentId, deployer, reused: true };
  }
  try {
    const options = { deploymentId, displayUi: false } as const;
    const ledgerParameters: Record<string, string | bigint> = { genesisModelHash: p.genesisModelHash };
    if (typeof p.roundBudget === "object") {
      // The token first, so that the budget in tokens uses its decimals.
      const { token } = await connection.ignition.deploy(RewardTokenModule, options);
      const decimals = await publicClient.readContract({ address: token.address, abi: erc20Abi, functionName: "decimals" });
      ledgerParameters.roundBudget = tokenUnits(p.roundBudget.tokens, decimals);
    } else if (p.roundBudget !== undefined) {
      ledgerParameters.roundBudget = p.roundBudget;
    }
    if (p.coordinator) ledgerParameters.coordinator = p.coordinator;
    if (p.registrar) ledgerParameters.registrar = p.registrar;
    const handoff = p.admin !== undefined && getAddress(p.admin) !== deployer;
    // The first approver through FedLedgerModule; by default the admin, who keeps k = 1.
    const [firstApprover, ...moreApprovers] = approvers.length > 0 ? approvers : [p.admin ?? deployer];
    ledgerParameters.approver = firstApprover ?? deployer;
    const { ledger, token } =
      handoff || moreApprovers.length > 0 || threshold !== 1
        ? await connection.ignition.deploy(operatorDeploymentModule({ moreApprovers, handoff }), {
            ...options,
            parameters: { FedLedger: ledgerParameters, FedLedgerOperator: { releaseThreshold: threshold, ...(handoff ? { admin: p.admin } : {}) } },
          })
        : await connection.ignition.deploy(FedLedgerModule, { ...options, parameters: { FedLedger: ledgerParameters } });
    return { ledger: ledger.address, token: token.address, deploymentId, deployer, reused: false };
  } finally {
    if (!keep) rmSync(journal, { recursive: true, force: true });
  }
}

/** Whole tokens as smallest units; refuses more fraction digits than the token has, and budgets over uint128. */
function tokenUnits(tokens: string, decimals: number): bigint {
  const fraction = tokens.split(".")[1] ?? "";
  const units = fraction.length <= decimals ? parseUnits(tokens, decimals) : undefined;
  if (units === undefined || units > maxUint128) {
    throw new FedLedgerError("INVALID_CONFIG", `The round budget ${tokens} does not fit the token (${decimals} decimals, at most ${maxUint128} smallest units)`);
  }
  return units;
}

/**
 * A kept journal named `deploymentId` means this chain was deployed to: refused unless
 * `reuse`, which returns its addresses (undefined: resume an interrupted deployment).
 * A journal whose ledger has no code belongs to a chain since reset, and is refused.
 */
async function existingDeployment(journal: string, deploymentId: string, chainId: number, client: PublicClient, reuse: boolean) {
  if (!existsSync(journal)) {
    if (reuse) throw new FedLedgerError("INVALID_CONFIG", `Nothing to reuse: no deployment "${deploymentId}" was made on chain ${chainId}`, { details: journal });
    return undefined;
  }
  const addresses = recordedAddresses(journal);
  const live = addresses ? ((await client.getCode({ address: addresses.ledger })) ?? "0x") !== "0x" : true;
  if (!live) {
    throw new FedLedgerError("INVALID_CONFIG", `The deployment "${deploymentId}" records the ledger ${addresses?.ledger}, which has no code on chain ${chainId} (a chain since reset?)`, {
      details: `remove ${journal}, or name a new deployment with --deployment-id NAME`,
    });
  }
  if (!reuse) {
    throw new FedLedgerError("INVALID_CONFIG", `Already deployed to chain ${chainId} as "${deploymentId}"${addresses ? ` (ledger ${addresses.ledger})` : " (interrupted)"}`, {
      details: "pass --reuse to use that deployment, or --deployment-id NAME to deploy a new one",
    });
  }
  return addresses;
}

/** The token and ledger addresses a journal records, once both are deployed. */
function recordedAddresses(journal: string): { ledger: Address; token: Address } | undefined {
  const file = join(journal, "deployed_addresses.json");
  if (!existsSync(file)) return undefined;
  const recorded = JSON.parse(readFileSync(file, "utf8")) as Record<string, string | undefined>;
  const ledger = recorded["FedLedger#ContributionLedger"];
  const token = recorded["FedLedgerToken#RewardToken"];
  return ledger && token ? { ledger: getAddress(ledger), token: getAddress(token) } : undefined;
}
