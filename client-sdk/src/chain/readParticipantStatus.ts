import type { Address, Hex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { type BlockRange, resolveBlockRange } from "./blockRange.ts";
import { readParticipantInfo } from "./readParticipantInfo.ts";
import type { LedgerReader } from "./ledgerClients.ts";
import { readUpdateRecordedEvents } from "./ledgerEvents.ts";

/** `IContributionLedger.ParticipantStatus`, by name, in enum order. */
export const PARTICIPANT_STATUSES = ["none", "active", "inactive"] as const;
export type ParticipantStatusName = (typeof PARTICIPANT_STATUSES)[number];

/** One round the participant contributed an accepted update to. */
export type ContributedRound = {
  readonly round: bigint;
  readonly updateHash: Hex;
  readonly numSamples: bigint;
  readonly score: bigint;
  readonly blockNumber: bigint;
  readonly transactionHash: Hex;
};

export type ParticipantStatus = {
  readonly address: Address;
  /** "none" when never registered. */
  readonly status: ParticipantStatusName;
  /** The registered dataset commitment; the zero hash when not registered. */
  readonly datasetCommitment: Hex;
  /** The registered dataset size, which bounds every update's sample count; 0 when not registered. */
  readonly datasetSize: number;
  /** SHA-256 of the consent or licence attestation the dataset is contributed under; the zero hash when none was declared. */
  readonly attestationDigest: Hex;
  /** Unix time (seconds) of registration; 0 when not registered. */
  readonly registeredAt: bigint;
  /** Number of `UpdateRecorded` events for the address in the scanned range. */
  readonly roundsContributed: number;
  /** Those rounds, ascending. */
  readonly rounds: readonly ContributedRound[];
  /** The block the state was read at (the range's last block). */
  readonly blockNumber: bigint;
};

export function participantStatusName(value: number): ParticipantStatusName {
  const name = PARTICIPANT_STATUSES[value];
  if (name === undefined) {
    throw new FedLedgerError("CHAIN_ERROR", "The ledger returned an unknown participant status", { details: `status ${value}` });
  }
  return name;
}

/**
 * The registry entry of `address` (status, dataset commitment and size, registration time) and
 * the rounds it contributed to (its `UpdateRecorded` events in `range`, from block 0 by
 * default). State and events are read at the same block. Throws CHAIN_ERROR.
 */
export async function readParticipantStatus(
  reader: LedgerReader,
  address: Address,
  range: BlockRange = {},
): Promise<ParticipantStatus> {
  const resolved = await resolveBlockRange(reader, range);
  const [info, updates] = await Promise.all([
    readParticipantInfo(reader, address, resolved.toBlock),
    readUpdateRecordedEvents(reader, resolved, { participant: address }),
  ]);
  const rounds = updates
    .map((u) => ({
      round: u.round,
      updateHash: u.updateHash,
      numSamples: u.numSamples,
      score: u.score,
      blockNumber: u.blockNumber,
      transactionHash: u.transactionHash,
    }))
    .sort((a, b) => (a.round < b.round ? -1 : a.round > b.round ? 1 : 0));
  return {
    address,
    status: participantStatusName(info.status),
    datasetCommitment: info.datasetCommitment,
    datasetSize: info.datasetSize,
    attestationDigest: info.attestationDigest,
    registeredAt: info.registeredAt,
    roundsContributed: rounds.length,
    rounds,
    blockNumber: resolved.toBlock,
  };
}
