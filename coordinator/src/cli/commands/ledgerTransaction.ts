import type { ContractFunctionArgs, ContractFunctionName } from "viem";
import { contributionLedgerAbi } from "@fedledger/client-sdk";
import type { LedgerTarget } from "../operatorContext.ts";

type LedgerAbi = typeof contributionLedgerAbi;
type LedgerWrite = ContractFunctionName<LedgerAbi, "nonpayable">;

/**
 * Sends one ledger transaction from the operator's key, simulated first so that a refusal
 * (the ledger's custom error) is thrown before anything is signed. Waits for the receipt.
 */
export async function sendLedgerTransaction<F extends LedgerWrite>(t: LedgerTarget, functionName: F, args: ContractFunctionArgs<LedgerAbi, "nonpayable", F>) {
  const { request } = await t.publicClient.simulateContract({
    address: t.ledger,
    abi: contributionLedgerAbi,
    functionName: functionName as LedgerWrite,
    args: args as never,
    account: t.walletClient.account,
  });
  const hash = await t.walletClient.writeContract(request);
  const receipt = await t.publicClient.waitForTransactionReceipt({ hash });
  return { txHash: hash, gasUsed: receipt.gasUsed };
}
