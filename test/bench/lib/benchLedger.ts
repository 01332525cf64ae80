// A real chain for the benchmarks that run federations: EDR in this process, the ledger
// deployed with Ignition, the load benchmark's participants 0..count-1 registered (in
// batches: sent with explicit nonces while automine is off, then mined together), and the
// ledger funded.
import { createPublicClient, createTestClient, createWalletClient, erc20Abi, type Hex, http, zeroHash } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { contributionLedgerAbi } from "@fedledger/client-sdk";
import { deployWithIgnition } from "../../../coordinator/src/ledger/deployWithIgnition.ts";
import { startEmbeddedChain } from "../../../coordinator/src/ledger/embeddedChain.ts";
import { loadParticipant } from "./loadParticipant.ts";

export const BENCH_MNEMONIC = "test test test test test test test test test test test junk";
/** Records each bench participant registers: the most samples an update may declare. */
export const BENCH_DATASET_SIZE = 100;
/** Registrations sent before mining them together. */
const BATCH = 250;
/** Gas limit of one registration (it uses about 100,000). */
const REGISTER_GAS = 250_000n;

export async function startBenchLedger(p: { participants: number; genesisModelHash: Hex }) {
  const chain = await startEmbeddedChain();
  const { ledger, token } = await deployWithIgnition({ networkName: "localhost", rpcUrl: chain.rpcUrl, genesisModelHash: p.genesisModelHash });
  const operator = mnemonicToAccount(BENCH_MNEMONIC);
  const transport = http(chain.rpcUrl);
  const publicClient = createPublicClient({ chain: hardhat, transport });
  const wallet = createWalletClient({ account: operator, chain: hardhat, transport });
  const testClient = createTestClient({ chain: hardhat, mode: "hardhat", transport });
  await testClient.setAutomine(false);
  let nonce = await publicClient.getTransactionCount({ address: operator.address, blockTag: "pending" });
  for (let from = 0; from < p.participants; from += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, p.participants - from) }, (_, j) => from + j);
    const hashes = await Promise.all(
      batch.map((i, j) => {
        const { account, commitment } = loadParticipant(i);
        return wallet.writeContract({
          address: ledger, abi: contributionLedgerAbi, functionName: "registerParticipant",
          args: [account.address, commitment, BENCH_DATASET_SIZE, zeroHash], nonce: nonce + j, gas: REGISTER_GAS,
        });
      }),
    );
    nonce += batch.length;
    // A block holds what fits in its gas limit: mine until the batch's last one is in.
    const last = hashes.at(-1) as Hex;
    for (;;) {
      await testClient.mine({ blocks: 1 });
      const receipt = await publicClient.getTransactionReceipt({ hash: last }).catch(() => undefined);
      if (receipt) {
        if (receipt.status !== "success") throw new Error("a registration failed");
        break;
      }
    }
  }
  await testClient.setAutomine(true);
  await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: token, abi: erc20Abi, functionName: "approve", args: [ledger, 10n ** 24n] }) });
  await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: ledger, abi: contributionLedgerAbi, functionName: "fund", args: [10n ** 24n] }) });
  return { chain, ledger, token, publicClient, wallet, operator };
}
