import { type Account, type Address, type Chain, createPublicClient, createWalletClient, erc20Abi, type Hex, http, type PublicClient, type Transport, type WalletClient, zeroHash } from "viem";
import { hardhat } from "viem/chains";
import { contributionLedgerAbi, isFedLedgerError } from "@fedledger/client-sdk";
import { deployWithIgnition } from "../../coordinator/src/ledger/deployWithIgnition.ts";
import { startEmbeddedChain } from "../../coordinator/src/ledger/embeddedChain.ts";

export type SimulationChain = {
  rpcUrl: string;
  publicClient: PublicClient;
  /** The chain's first unlocked account: deployer, registrar, funder and the coordinator's signer. */
  operator: WalletClient<Transport, Chain, Account>;
  close(): Promise<void>;
};

/** Hardhat's EDR chain served on loopback (one per simulation process; each scenario deploys its own ledger). */
export async function startSimulationChain(): Promise<SimulationChain> {
  const chain = await startEmbeddedChain();
  const transport = http(chain.rpcUrl);
  const [address] = await createWalletClient({ chain: hardhat, transport }).getAddresses();
  if (!address) throw new Error("the embedded chain has no unlocked account");
  return {
    rpcUrl: chain.rpcUrl,
    publicClient: createPublicClient({ chain: hardhat, transport }),
    operator: createWalletClient({ account: address, chain: hardhat, transport }),
    close: chain.close,
  };
}

/**
 * The body of a simulation command line: `run` on a fresh chain, its result printed as one
 * JSON line on stdout (bigints as strings), a failure as `CODE: message` on stderr with
 * exit code 1; the chain is closed and the process exits either way.
 */
export async function runOnSimulationChain(run: (chain: SimulationChain) => Promise<unknown>): Promise<never> {
  const chain = await startSimulationChain();
  try {
    const result = await run(chain);
    console.log(JSON.stringify(result, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  } catch (error) {
    console.error(isFedLedgerError(error) ? `${error.code}: ${error.message}` : error);
    process.exitCode = 1;
  } finally {
    await chain.close();
  }
  process.exit();
}

export type Registration = { address: Address; commitment: Hex; size: number };

/**
 * A fresh ledger through the project's Ignition module, `registrations` registered with
 * their commitments and dataset sizes, and `funding` reward tokens deposited.
 */
export async function deploySimulationLedger(
  chain: SimulationChain,
  p: { genesisModelHash: Hex; registrations: readonly Registration[]; funding: bigint },
): Promise<Address> {
  const { ledger, token } = await deployWithIgnition({ networkName: "localhost", rpcUrl: chain.rpcUrl, genesisModelHash: p.genesisModelHash });
  const send = async (hash: Promise<Hex>) => chain.publicClient.waitForTransactionReceipt({ hash: await hash });
  for (const r of p.registrations) {
    await send(chain.operator.writeContract({ address: ledger, abi: contributionLedgerAbi, functionName: "registerParticipant", args: [r.address, r.commitment, r.size, zeroHash] }));
  }
  await send(chain.operator.writeContract({ address: token, abi: erc20Abi, functionName: "approve", args: [ledger, p.funding] }));
  await send(chain.operator.writeContract({ address: ledger, abi: contributionLedgerAbi, functionName: "fund", args: [p.funding] }));
  return ledger;
}
