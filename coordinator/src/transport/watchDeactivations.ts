import { type Address, getAddress, type PublicClient } from "viem";
import { contributionLedgerAbi } from "@fedledger/client-sdk";

export type WatchDeactivationsParameters = {
  publicClient: PublicClient;
  ledger: Address;
  pollingIntervalMs: number;
  onDeactivated: (participant: Address) => void;
  onError?: (error: Error) => void;
};

/**
 * Calls `onDeactivated` for every `ParticipantDeactivated` event the ledger emits from
 * now on (polled). Returns the function that stops watching.
 */
export function watchDeactivations(p: WatchDeactivationsParameters): () => void {
  return p.publicClient.watchContractEvent({
    address: p.ledger,
    abi: contributionLedgerAbi,
    eventName: "ParticipantDeactivated",
    pollingInterval: p.pollingIntervalMs,
    poll: true,
    onLogs: (logs) => {
      for (const log of logs) if (log.args.participant) p.onDeactivated(getAddress(log.args.participant));
    },
    onError: (error) => p.onError?.(error),
  });
}
