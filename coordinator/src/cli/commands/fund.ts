import { erc20Abi } from "viem";
import { contributionLedgerAbi } from "@fedledger/client-sdk";
import type { LedgerTarget } from "../operatorContext.ts";

/** Approves and deposits `amount` (smallest units) of the reward token into the ledger. */
export async function fundLedger(t: LedgerTarget, amount: bigint) {
  const token = await t.publicClient.readContract({ address: t.ledger, abi: contributionLedgerAbi, functionName: "rewardToken" });
  const approve = await t.walletClient.writeContract({ address: token, abi: erc20Abi, functionName: "approve", args: [t.ledger, amount] });
  await t.publicClient.waitForTransactionReceipt({ hash: approve });
  const { request } = await t.publicClient.simulateContract({
    address: t.ledger,
    abi: contributionLedgerAbi,
    functionName: "fund",
    args: [amount],
    account: t.walletClient.account,
  });
  const hash = await t.walletClient.writeContract(request);
  await t.publicClient.waitForTransactionReceipt({ hash });
  return { txHash: hash };
}
