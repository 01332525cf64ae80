import type { Address, Hex } from "viem";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import { type ResolvedBlockRange, collectPages } from "./blockRange.ts";
import { withChainErrors } from "./chainError.ts";
import type { LedgerReader } from "./ledgerClients.ts";

/** Where an event was logged. */
export type EventLocation = {
  readonly blockNumber: bigint;
  readonly transactionHash: Hex;
  readonly logIndex: number;
};

/** An `UpdateRecorded` event: one accepted update of a recorded round. */
export type UpdateRecordedEvent = EventLocation & {
  readonly round: bigint;
  readonly participant: Address;
  readonly updateHash: Hex;
  readonly numSamples: bigint;
  readonly score: bigint;
};

/** A `RoundRecorded` event: one recorded round. */
export type RoundRecordedEvent = EventLocation & {
  readonly round: bigint;
  readonly baseModelHash: Hex;
  readonly aggregateModelHash: Hex;
  readonly updatesDigest: Hex;
  /** SHA-256 of the round's statement (see provenance/roundStatement.ts). */
  readonly statementDigest: Hex;
  readonly budget: bigint;
  readonly participantCount: bigint;
  readonly totalScore: bigint;
  readonly remainderRecipient: Address;
  readonly remainder: bigint;
};

/** A `RewardClaimed` event. */
export type RewardClaimedEvent = EventLocation & {
  readonly participant: Address;
  readonly recipient: Address;
  readonly amount: bigint;
};

/** Filters on indexed arguments; an array matches any of its values. */
export type UpdateRecordedFilter = { participant?: Address; round?: bigint | readonly bigint[] };
export type RoundRecordedFilter = { round?: bigint | readonly bigint[] };

function location(log: { blockNumber: bigint; transactionHash: Hex; logIndex: number }): EventLocation {
  return { blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.logIndex };
}

function roundArgument(round: bigint | readonly bigint[] | undefined): bigint | bigint[] | undefined {
  if (round === undefined) return undefined;
  return typeof round === "bigint" ? round : [...round];
}

/** `UpdateRecorded` events in `range` matching `filter`, in chain order. Throws CHAIN_ERROR. */
export async function readUpdateRecordedEvents(
  reader: LedgerReader,
  range: ResolvedBlockRange,
  filter: UpdateRecordedFilter = {},
): Promise<UpdateRecordedEvent[]> {
  const round = roundArgument(filter.round);
  const args = {
    ...(filter.participant === undefined ? {} : { participant: filter.participant }),
    ...(round === undefined ? {} : { round }),
  };
  return collectPages(range, (fromBlock, toBlock) =>
    withChainErrors("read UpdateRecorded events", async () => {
      const logs = await reader.client.getContractEvents({
        address: reader.ledger,
        abi: contributionLedgerAbi,
        eventName: "UpdateRecorded",
        args,
        fromBlock,
        toBlock,
        strict: true,
      });
      return logs.map((log) => ({ ...location(log), ...log.args }));
    }),
  );
}

/** `RoundRecorded` events in `range` matching `filter`, in chain order. Throws CHAIN_ERROR. */
export async function readRoundRecordedEvents(
  reader: LedgerReader,
  range: ResolvedBlockRange,
  filter: RoundRecordedFilter = {},
): Promise<RoundRecordedEvent[]> {
  const round = roundArgument(filter.round);
  return collectPages(range, (fromBlock, toBlock) =>
    withChainErrors("read RoundRecorded events", async () => {
      const logs = await reader.client.getContractEvents({
        address: reader.ledger,
        abi: contributionLedgerAbi,
        eventName: "RoundRecorded",
        args: round === undefined ? {} : { round },
        fromBlock,
        toBlock,
        strict: true,
      });
      return logs.map((log) => ({ ...location(log), ...log.args }));
    }),
  );
}

/** `RewardClaimed` events of `participant` (of everyone when undefined) in `range`, in chain order. Throws CHAIN_ERROR. */
export async function readRewardClaimedEvents(
  reader: LedgerReader,
  range: ResolvedBlockRange,
  participant?: Address,
): Promise<RewardClaimedEvent[]> {
  return collectPages(range, (fromBlock, toBlock) =>
    withChainErrors("read RewardClaimed events", async () => {
      const logs = await reader.client.getContractEvents({
        address: reader.ledger,
        abi: contributionLedgerAbi,
        eventName: "RewardClaimed",
        args: participant === undefined ? {} : { participant },
        fromBlock,
        toBlock,
        strict: true,
      });
      return logs.map((log) => ({ ...location(log), ...log.args }));
    }),
  );
}

/** The participants of the `ParticipantRegistered` events in `range`, in chain order. Throws CHAIN_ERROR. */
export async function readRegisteredParticipants(reader: LedgerReader, range: ResolvedBlockRange): Promise<Address[]> {
  return collectPages(range, (fromBlock, toBlock) =>
    withChainErrors("read ParticipantRegistered events", async () => {
      const logs = await reader.client.getContractEvents({
        address: reader.ledger,
        abi: contributionLedgerAbi,
        eventName: "ParticipantRegistered",
        fromBlock,
        toBlock,
        strict: true,
      });
      return logs.map((log) => log.args.participant);
    }),
  );
}
