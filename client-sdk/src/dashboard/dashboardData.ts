import type { Address, Hex } from "viem";
import type { ParticipantStatusName } from "../chain/readParticipantStatus.ts";
import type { RewardTokenInfo } from "../chain/readRewardToken.ts";
import type { RoundRefusal } from "./roundDetails.ts";

/**
 * What `/dashboard/data.json` serves: plain JSON (big integers as decimal strings), read
 * from the chain at one block, with the optional off-chain round details beside it.
 */
export const DASHBOARD_DATA_VERSION = 1;

/** A token amount: `value` in the token's smallest unit (decimal), `text` in token units for people. */
export type DashboardAmount = { readonly value: string; readonly text: string };

/** One accepted update of a recorded round (an `UpdateRecorded` event) and what it earned. */
export type DashboardUpdate = {
  readonly participant: Address;
  readonly updateHash: Hex;
  readonly numSamples: string;
  readonly score: string;
  /** score / the round's total score. */
  readonly share: number;
  readonly reward: DashboardAmount;
};

export type DashboardRound = {
  readonly round: number;
  readonly baseModelHash: Hex;
  readonly aggregateModelHash: Hex;
  readonly updatesDigest: Hex;
  readonly transactionHash: Hex;
  readonly blockNumber: string;
  readonly participantCount: number;
  readonly budget: DashboardAmount;
  readonly totalScore: string;
  readonly remainderRecipient: Address;
  /**
   * Whether the base model is the previous round's aggregate (the genesis model for round
   * 1); null when the previous round lies before the scanned blocks.
   */
  readonly continuesLineage: boolean | null;
  readonly updates: readonly DashboardUpdate[];
  /** Off-chain: the coordinator's evaluation of the aggregate, when a details source has it. */
  readonly metrics: Readonly<Record<string, number>> | null;
  /** Off-chain: the acknowledged updates left out of the round, when a details source has them. */
  readonly refusals: readonly RoundRefusal[] | null;
};

export type DashboardParticipantRound = { readonly round: number; readonly score: string; readonly share: number; readonly reward: DashboardAmount };

export type DashboardClaim = {
  readonly participant: Address;
  readonly recipient: Address;
  readonly amount: DashboardAmount;
  readonly blockNumber: string;
  readonly transactionHash: Hex;
};

export type DashboardParticipant = {
  readonly address: Address;
  readonly status: ParticipantStatusName;
  readonly datasetSize: number;
  /** The contract's totals (`participantInfo`). */
  readonly credited: DashboardAmount;
  readonly claimed: DashboardAmount;
  readonly claimable: DashboardAmount;
  /** The sum of its rewards in the scanned rounds; equals `credited` when the scan covers the ledger's history. */
  readonly earned: DashboardAmount;
  readonly totalScore: string;
  /** Its attribution: every scanned round it has an accepted update in, ascending. */
  readonly rounds: readonly DashboardParticipantRound[];
  readonly claims: readonly DashboardClaim[];
  /** Updates of it left out of rounds, when the details source knows refusals; else null. */
  readonly refusals: number | null;
};

export type DashboardData = {
  readonly version: typeof DASHBOARD_DATA_VERSION;
  readonly ledger: Address;
  readonly chainId: number;
  /** The block everything was read at. */
  readonly blockNumber: string;
  readonly fromBlock: string;
  readonly genesisModelHash: Hex;
  readonly headModelHash: Hex;
  readonly token: RewardTokenInfo;
  readonly roundBudget: DashboardAmount;
  readonly totalFunded: DashboardAmount;
  readonly totalCredited: DashboardAmount;
  /** Recorded rounds, ascending. */
  readonly rounds: readonly DashboardRound[];
  /** Registered, contributing or claiming addresses, ascending. */
  readonly participants: readonly DashboardParticipant[];
  readonly claims: readonly DashboardClaim[];
  /** Left-out updates counted by reason, most frequent first; null when no details source knows refusals. */
  readonly refusalsByReason: readonly { readonly reason: string; readonly count: number }[] | null;
  /** The off-chain round details: where from, and what could not be used. */
  readonly details: {
    /** The source's description; null without a source. */
    readonly source: string | null;
    /** Rounds shown with metrics, and with refusals. */
    readonly roundsWithMetrics: number;
    readonly roundsWithRefusals: number;
    /** Rounds whose details name another aggregate than the chain's: their details are not shown. */
    readonly mismatchedRounds: readonly number[];
    /** Why the source could not be read, when it failed (the chain data is shown regardless). */
    readonly error: string | null;
  };
};
