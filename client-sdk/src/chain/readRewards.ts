import type { Address, Hex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { type BlockRange, resolveBlockRange } from "./blockRange.ts";
import { readParticipantInfo } from "./readParticipantInfo.ts";
import type { LedgerReader } from "./ledgerClients.ts";
import {
  readRewardClaimedEvents,
  readRoundRecordedEvents,
  readUpdateRecordedEvents,
  type RoundRecordedEvent,
  type UpdateRecordedEvent,
} from "./ledgerEvents.ts";

/** What one accepted update earned. `reward = share + remainder`. */
export type RoundReward = {
  readonly round: bigint;
  readonly score: bigint;
  readonly numSamples: bigint;
  readonly updateHash: Hex;
  /** The round's budget and the sum of its scores, from its `RoundRecorded` event. */
  readonly budget: bigint;
  readonly totalScore: bigint;
  /** `floor(budget * score / totalScore)`. */
  readonly share: bigint;
  /** The round's rounding remainder when this participant received it, else 0. */
  readonly remainder: bigint;
  readonly reward: bigint;
  readonly blockNumber: bigint;
  readonly transactionHash: Hex;
};

/** One `RewardClaimed` event of the participant. */
export type RewardClaim = {
  readonly recipient: Address;
  readonly amount: bigint;
  readonly blockNumber: bigint;
  readonly transactionHash: Hex;
};

export type ParticipantRewards = {
  readonly address: Address;
  /** From `participantInfo`: everything ever credited, everything claimed, and the difference. */
  readonly credited: bigint;
  readonly claimed: bigint;
  readonly claimable: bigint;
  /** Per-round rewards from the events in the scanned range, ascending by round. */
  readonly rounds: readonly RoundReward[];
  /** Sum of `rounds[].reward`. */
  readonly earned: bigint;
  /** Claims from the events in the scanned range, in chain order. */
  readonly claims: readonly RewardClaim[];
  /** Sum of `claims[].amount`. */
  readonly claimedInClaims: bigint;
  /**
   * Whether the events account for the contract's totals (`earned == credited` and
   * `claimedInClaims == claimed`); false when the range starts after the ledger's deployment.
   */
  readonly reconciled: boolean;
  /** The block the state was read at (the range's last block). */
  readonly blockNumber: bigint;
};

/** A reward split: `floor(budget * score / totalScore)`, plus `remainder` for its recipient. */
export function roundShare(budget: bigint, score: bigint, totalScore: bigint): bigint {
  if (totalScore <= 0n) throw new FedLedgerError("CHAIN_ERROR", "A recorded round has a zero total score");
  return (budget * score) / totalScore;
}

/**
 * What the update `update` earned in its round `recorded`: `floor(budget * score / totalScore)`,
 * plus the round's remainder when its participant is the `remainderRecipient`.
 */
export function roundReward(update: UpdateRecordedEvent, recorded: RoundRecordedEvent): RoundReward {
  const share = roundShare(recorded.budget, update.score, recorded.totalScore);
  const remainder = recorded.remainderRecipient.toLowerCase() === update.participant.toLowerCase() ? recorded.remainder : 0n;
  return {
    round: update.round,
    score: update.score,
    numSamples: update.numSamples,
    updateHash: update.updateHash,
    budget: recorded.budget,
    totalScore: recorded.totalScore,
    share,
    remainder,
    reward: share + remainder,
    blockNumber: update.blockNumber,
    transactionHash: update.transactionHash,
  };
}

/** Beyond this many rounds, RoundRecorded events are read unfiltered (topic lists stay short). */
const MAX_ROUND_FILTER = 100;

/**
 * The reward account of `address`: the contract's credited / claimed / claimable, the
 * reward of each of its updates (from `UpdateRecorded` and the round's `RoundRecorded`:
 * `floor(budget * score / totalScore)` plus the round's remainder when it is the
 * `remainderRecipient`), and its claims (`RewardClaimed`). Events are scanned in `range`
 * (from block 0 by default), state is read at the range's last block. Throws CHAIN_ERROR.
 */
export async function readRewards(reader: LedgerReader, address: Address, range: BlockRange = {}): Promise<ParticipantRewards> {
  const resolved = await resolveBlockRange(reader, range);
  const [info, updates, claimEvents] = await Promise.all([
    readParticipantInfo(reader, address, resolved.toBlock),
    readUpdateRecordedEvents(reader, resolved, { participant: address }),
    readRewardClaimedEvents(reader, resolved, address),
  ]);
  const roundNumbers = updates.map((u) => u.round);
  const roundEvents =
    roundNumbers.length === 0
      ? []
      : await readRoundRecordedEvents(reader, resolved, roundNumbers.length <= MAX_ROUND_FILTER ? { round: roundNumbers } : {});
  const byRound = new Map<bigint, RoundRecordedEvent>(roundEvents.map((e) => [e.round, e]));

  const rounds = updates
    .map((u): RoundReward => {
      const recorded = byRound.get(u.round);
      if (recorded === undefined) {
        throw new FedLedgerError("CHAIN_ERROR", `Round ${u.round} has an UpdateRecorded event but no RoundRecorded event`, {
          details: `block ${u.blockNumber}, transaction ${u.transactionHash}`,
        });
      }
      return roundReward(u, recorded);
    })
    .sort((a, b) => (a.round < b.round ? -1 : a.round > b.round ? 1 : 0));
  const claims = claimEvents.map((c) => ({
    recipient: c.recipient,
    amount: c.amount,
    blockNumber: c.blockNumber,
    transactionHash: c.transactionHash,
  }));
  const earned = rounds.reduce((sum, r) => sum + r.reward, 0n);
  const claimedInClaims = claims.reduce((sum, c) => sum + c.amount, 0n);
  return {
    address,
    credited: info.credited,
    claimed: info.claimed,
    claimable: info.credited - info.claimed,
    rounds,
    earned,
    claims,
    claimedInClaims,
    reconciled: earned === info.credited && claimedInClaims === info.claimed,
    blockNumber: resolved.toBlock,
  };
}
