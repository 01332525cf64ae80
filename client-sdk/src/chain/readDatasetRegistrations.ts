import type { Address, Hex } from "viem";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import { type BlockRange, collectPages, resolveBlockRange } from "./blockRange.ts";
import { withChainErrors } from "./chainError.ts";
import type { EventLocation } from "./ledgerEvents.ts";
import type { LedgerReader } from "./ledgerClients.ts";

/**
 * One dataset commitment a participant was given: at registration (`ParticipantRegistered`)
 * or by a later `DatasetCommitmentUpdated`.
 */
export type DatasetRegistration = EventLocation & {
  readonly participant: Address;
  readonly event: "ParticipantRegistered" | "DatasetCommitmentUpdated";
  readonly datasetCommitment: Hex;
  readonly datasetSize: bigint;
  /** The digest of the consent or licence attestation the dataset is contributed under; null when none was declared (zero). */
  readonly attestationDigest: Hex | null;
};

/** A declared attestation digest; the ledger records zero for none. */
const declared = (digest: Hex): Hex | null => (BigInt(digest) === 0n ? null : digest);

const byChainOrder = (a: EventLocation, b: EventLocation) =>
  a.blockNumber < b.blockNumber ? -1 : a.blockNumber > b.blockNumber ? 1 : a.logIndex - b.logIndex;

/**
 * Every dataset commitment given in `range` (to `participant` only, when named), in chain
 * order. Throws CHAIN_ERROR, and INVALID_CONFIG for a bad range (resolveBlockRange).
 */
export async function readDatasetRegistrations(reader: LedgerReader, range: BlockRange = {}, participant?: Address): Promise<DatasetRegistration[]> {
  const resolved = await resolveBlockRange(reader, range);
  const args = participant === undefined ? {} : { participant };
  const page = (fromBlock: bigint, toBlock: bigint) =>
    withChainErrors("read dataset registrations", async () => {
      const common = { address: reader.ledger, abi: contributionLedgerAbi, args, fromBlock, toBlock, strict: true } as const;
      const [registered, updated] = await Promise.all([
        reader.client.getContractEvents({ ...common, eventName: "ParticipantRegistered" }),
        reader.client.getContractEvents({ ...common, eventName: "DatasetCommitmentUpdated" }),
      ]);
      const location = (log: EventLocation) => ({ blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.logIndex });
      return [
        ...registered.map(
          (log): DatasetRegistration => ({
            ...location(log),
            participant: log.args.participant,
            event: "ParticipantRegistered",
            datasetCommitment: log.args.datasetCommitment,
            datasetSize: log.args.datasetSize,
            attestationDigest: declared(log.args.attestationDigest),
          }),
        ),
        ...updated.map(
          (log): DatasetRegistration => ({
            ...location(log),
            participant: log.args.participant,
            event: "DatasetCommitmentUpdated",
            datasetCommitment: log.args.current,
            datasetSize: log.args.datasetSize,
            attestationDigest: declared(log.args.attestationDigest),
          }),
        ),
      ];
    });
  return (await collectPages(resolved, page)).sort(byChainOrder);
}
