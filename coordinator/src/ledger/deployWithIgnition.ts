import { rmSync } from "node:fs";
import { join } from "node:path";
import { network } from "hardhat";
import type { Address, Hex } from "viem";
import FedLedgerModule from "../../../contracts/ignition/modules/FedLedger.ts";

export type DeployParameters = {
  /** A network named in hardhat.config.ts ("localhost", "remote"), optionally with its URL overridden. */
  networkName: string;
  rpcUrl?: string;
  genesisModelHash: Hex;
  roundBudget?: bigint;
  coordinator?: Address;
  registrar?: Address;
  /** Keep Ignition's deployment journal (for real networks). Ephemeral chains discard it. */
  keepJournal?: boolean;
};

/** Deploys the reward token and the ledger through the project's one Ignition module. */
export async function deployWithIgnition(p: DeployParameters): Promise<{ ledger: Address; token: Address; deploymentId: string }> {
  const connection = await network.create({ network: p.networkName, ...(p.rpcUrl ? { override: { url: p.rpcUrl } } : {}) });
  const chainId = await (await connection.viem.getPublicClient()).getChainId();
  const deploymentId = p.keepJournal ? `fedledger-chain-${chainId}` : `ephemeral-${process.pid}-${Date.now()}`;
  const parameters: Record<string, string | bigint> = { genesisModelHash: p.genesisModelHash };
  if (p.roundBudget !== undefined) parameters.roundBudget = p.roundBudget;
  if (p.coordinator) parameters.coordinator = p.coordinator;
  if (p.registrar) parameters.registrar = p.registrar;
  try {
    const { ledger, token } = await connection.ignition.deploy(FedLedgerModule, {
      parameters: { FedLedger: parameters },
      deploymentId,
      displayUi: false,
    });
    return { ledger: ledger.address, token: token.address, deploymentId };
  } finally {
    if (!p.keepJournal) rmSync(join("contracts", "ignition", "deployments", deploymentId), { recursive: true, force: true });
  }
}
