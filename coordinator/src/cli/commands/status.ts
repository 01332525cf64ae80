import type { Address, PublicClient } from "viem";
import { contributionLedgerAbi } from "@fedledger/client-sdk";

const STATUS = ["none", "active", "inactive"] as const;

/** Rounds, participants and balances, read from the ledger. */
export async function ledgerStatus(publicClient: PublicClient, ledger: Address) {
  const read = <
    F extends "latestRound" | "headModelHash" | "genesisModelHash" | "roundBudget" | "totalFunded" | "totalCredited" | "releaseThreshold" | "releaseCount" | "currentReleaseId",
  >(
    functionName: F,
  ) => publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName });
  const [latestRound, headModelHash, genesisModelHash, roundBudget, totalFunded, totalCredited, releaseThreshold, releaseCount, currentReleaseId] = await Promise.all([
    read("latestRound"),
    read("headModelHash"),
    read("genesisModelHash"),
    read("roundBudget"),
    read("totalFunded"),
    read("totalCredited"),
    read("releaseThreshold"),
    read("releaseCount"),
    read("currentReleaseId"),
  ]);
  const current =
    currentReleaseId === 0n ? null : await publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "releaseRecord", args: [currentReleaseId] });
  const registered = await publicClient.getContractEvents({ address: ledger, abi: contributionLedgerAbi, eventName: "ParticipantRegistered", fromBlock: 0n });
  const participants = await Promise.all(
    registered.map(async (e) => {
      const address = e.args.participant as Address;
      const info = await publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "participantInfo", args: [address] });
      return {
        address,
        status: STATUS[info.status] ?? "unknown",
        credited: info.credited,
        claimed: info.claimed,
        datasetCommitment: info.datasetCommitment,
        datasetSize: info.datasetSize,
        attestationDigest: info.attestationDigest,
      };
    }),
  );
  const releases = {
    threshold: releaseThreshold,
    count: releaseCount,
    current: current === null ? null : { releaseId: currentReleaseId, round: current.round, tag: current.tag, modelHash: current.modelHash, deprecated: current.deprecated },
  };
  return { ledger, latestRound, headModelHash, genesisModelHash, roundBudget, totalFunded, totalCredited, releases, participants };
}
