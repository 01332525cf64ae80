import type { Address, PublicClient } from "viem";
import { contributionLedgerAbi } from "@fedledger/client-sdk";

const STATUS = ["none", "active", "inactive"] as const;

/** Rounds, participants and balances, read from the ledger. */
export async function ledgerStatus(publicClient: PublicClient, ledger: Address) {
  const read = <F extends "latestRound" | "headModelHash" | "genesisModelHash" | "roundBudget" | "totalFunded" | "totalCredited">(functionName: F) =>
    publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName });
  const [latestRound, headModelHash, genesisModelHash, roundBudget, totalFunded, totalCredited] = await Promise.all([
    read("latestRound"),
    read("headModelHash"),
    read("genesisModelHash"),
    read("roundBudget"),
    read("totalFunded"),
    read("totalCredited"),
  ]);
  const registered = await publicClient.getContractEvents({ address: ledger, abi: contributionLedgerAbi, eventName: "ParticipantRegistered", fromBlock: 0n });
  const participants = await Promise.all(
    registered.map(async (e) => {
      const address = e.args.participant as Address;
      const info = await publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "participantInfo", args: [address] });
      return { address, status: STATUS[info.status] ?? "unknown", credited: info.credited, claimed: info.claimed, datasetCommitment: info.datasetCommitment, datasetSize: info.datasetSize };
    }),
  );
  return { ledger, latestRound, headModelHash, genesisModelHash, roundBudget, totalFunded, totalCredited, participants };
}
