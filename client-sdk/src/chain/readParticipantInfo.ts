import type { Address } from "viem";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import { withChainErrors } from "./chainError.ts";
import type { LedgerReader } from "./ledgerClients.ts";

/** `participantInfo(address)` at `blockNumber`, with chain failures as CHAIN_ERROR. */
export function readParticipantInfo(reader: LedgerReader, address: Address, blockNumber: bigint) {
  return withChainErrors("read participantInfo", () =>
    reader.client.readContract({
      address: reader.ledger,
      abi: contributionLedgerAbi,
      functionName: "participantInfo",
      args: [address],
      blockNumber,
    }),
  );
}
