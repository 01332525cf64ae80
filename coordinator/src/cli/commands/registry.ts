import type { Address, Hex } from "viem";
import { contributionLedgerAbi } from "@fedledger/client-sdk";
import type { LedgerTarget } from "../operatorContext.ts";

async function write(t: LedgerTarget, functionName: "registerParticipant" | "deactivateParticipant" | "reactivateParticipant", args: readonly unknown[]) {
  const { request } = await t.publicClient.simulateContract({
    address: t.ledger,
    abi: contributionLedgerAbi,
    functionName,
    args: args as never,
    account: t.walletClient.account,
  });
  const hash = await t.walletClient.writeContract(request);
  const receipt = await t.publicClient.waitForTransactionReceipt({ hash });
  return { txHash: hash, gasUsed: receipt.gasUsed };
}

/** Registers `address` with its dataset commitment and the record count it binds (bounds every update's numSamples). */
export const registerParticipant = (t: LedgerTarget, address: Address, commitment: Hex, datasetSize: number) =>
  write(t, "registerParticipant", [address, commitment, datasetSize]);
export const deactivateParticipant = (t: LedgerTarget, address: Address) => write(t, "deactivateParticipant", [address]);
export const reactivateParticipant = (t: LedgerTarget, address: Address) => write(t, "reactivateParticipant", [address]);
