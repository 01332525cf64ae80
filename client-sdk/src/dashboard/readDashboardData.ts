import type { Address, Hex } from "viem";
import { type BlockRange, resolveBlockRange } from "../chain/blockRange.ts";
import { withChainErrors } from "../chain/chainError.ts";
import type { LedgerReader } from "../chain/ledgerClients.ts";
import { readRegisteredParticipants, readRewardClaimedEvents } from "../chain/ledgerEvents.ts";
import { readParticipantInfo } from "../chain/readParticipantInfo.ts";
import { participantStatusName } from "../chain/readParticipantStatus.ts";
import { readRecordedRounds, type RecordedRound } from "../chain/readRecordedRounds.ts";
import { readRewardToken, type RewardTokenInfo } from "../chain/readRewardToken.ts";
import { roundReward } from "../chain/readRewards.ts";
import { formatAmount } from "../cli/format/formatAmount.ts";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import {
  DASHBOARD_DATA_VERSION,
  type DashboardAmount,
  type DashboardClaim,
  type DashboardData,
  type DashboardParticipant,
  type DashboardParticipantRound,
  type DashboardRound,
} from "./dashboardData.ts";
import { boundRoundDetails, type RoundDetails, type RoundDetailsSource } from "./roundDetails.ts";

export type ReadDashboardDataParameters = {
  /** Blocks to scan for events (default: the whole history); state is read at its last block. */
  range?: BlockRange;
  /** Off-chain round details (accuracy, loss, refusals); without one the page says they are not available. */
  details?: RoundDetailsSource;
};

/** participantInfo reads in flight at once. */
const PARTICIPANT_READ_CONCURRENCY = 8;
/** Longest token symbol kept: it is the token contract's to choose. */
const MAX_SYMBOL_LENGTH = 32;

const sameHash = (a: Hex, b: Hex) => a.toLowerCase() === b.toLowerCase();
const byAddress = (a: Address, b: Address) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);
/** score / total as a number, to 1e-9. */
const ratio = (score: bigint, total: bigint) => (total === 0n ? 0 : Number((score * 1_000_000_000n) / total) / 1e9);

async function inBatches<T, R>(items: readonly T[], size: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(task))));
  return results;
}

/** Details per round from the source, bounded; an error of the source is reported, not thrown. */
async function readDetails(source: RoundDetailsSource | undefined, rounds: readonly number[]): Promise<{ byRound: ReadonlyMap<number, RoundDetails>; error: string | null }> {
  if (source === undefined || rounds.length === 0) return { byRound: new Map(), error: null };
  try {
    const found = await source.read(rounds);
    return { byRound: new Map([...found].map(([round, details]) => [round, boundRoundDetails(details)])), error: null };
  } catch (error) {
    return { byRound: new Map(), error: isFedLedgerError(error) ? `[${error.code}] ${error.shortMessage}` : "the round details could not be read" };
  }
}

/**
 * Everything the contributor dashboard shows, read from the ledger at one block: the
 * recorded rounds with their lineage and updates, every registered, contributing or claiming
 * participant with its scores, rewards (checked against the contract's totals) and claims,
 * and the funding. Off-chain round details (metrics, refusals) come from `details` when
 * given; details naming another aggregate than the chain's are left out and listed.
 *
 * Throws CHAIN_ERROR when the ledger cannot be read, INVALID_CONFIG for a bad range.
 */
export async function readDashboardData(reader: LedgerReader, parameters: ReadDashboardDataParameters = {}): Promise<DashboardData> {
  const resolved = await resolveBlockRange(reader, parameters.range);
  const range: BlockRange = {
    fromBlock: resolved.fromBlock,
    toBlock: resolved.toBlock,
    ...(resolved.maxBlockRange === undefined ? {} : { maxBlockRange: resolved.maxBlockRange }),
  };
  const view = { address: reader.ledger, abi: contributionLedgerAbi, blockNumber: resolved.toBlock } as const;
  const [chainId, recorded, registered, claimEvents, tokenInfo, genesisModelHash, headModelHash, roundBudget, totalFunded, totalCredited] = await Promise.all([
    withChainErrors("read the chain id", () => reader.client.getChainId()),
    readRecordedRounds(reader, range),
    readRegisteredParticipants(reader, resolved),
    readRewardClaimedEvents(reader, resolved),
    readRewardToken(reader),
    withChainErrors("read genesisModelHash", () => reader.client.readContract({ ...view, functionName: "genesisModelHash" })),
    withChainErrors("read headModelHash", () => reader.client.readContract({ ...view, functionName: "headModelHash" })),
    withChainErrors("read roundBudget", () => reader.client.readContract({ ...view, functionName: "roundBudget" })),
    withChainErrors("read totalFunded", () => reader.client.readContract({ ...view, functionName: "totalFunded" })),
    withChainErrors("read totalCredited", () => reader.client.readContract({ ...view, functionName: "totalCredited" })),
  ]);
  const token: RewardTokenInfo = { ...tokenInfo, symbol: tokenInfo.symbol === null ? null : tokenInfo.symbol.slice(0, MAX_SYMBOL_LENGTH) };
  const amount = (value: bigint): DashboardAmount => ({ value: value.toString(), text: formatAmount(value, token) });

  const details = await readDetails(parameters.details, recorded.map((r) => Number(r.round)));
  const mismatchedRounds: number[] = [];
  const rounds = recorded.map((r, i) => {
    let found = details.byRound.get(Number(r.round));
    const otherStatement = found?.statementDigest !== undefined && !sameHash(found.statementDigest, r.statementDigest);
    if (otherStatement || (found?.aggregateModelHash != null && !sameHash(found.aggregateModelHash, r.aggregateModelHash))) {
      mismatchedRounds.push(Number(r.round));
      found = undefined;
    }
    return dashboardRound(r, recorded[i - 1], genesisModelHash, found, amount);
  });

  const claims: DashboardClaim[] = claimEvents.map((c) => ({
    participant: c.participant,
    recipient: c.recipient,
    amount: amount(c.amount),
    blockNumber: c.blockNumber.toString(),
    transactionHash: c.transactionHash,
  }));
  const addresses = [...new Set([...registered, ...recorded.flatMap((r) => r.updates.map((u) => u.participant)), ...claimEvents.map((c) => c.participant)])].sort(byAddress);
  const infos = await inBatches(addresses, PARTICIPANT_READ_CONCURRENCY, (address) => readParticipantInfo(reader, address, resolved.toBlock));
  const refusalsKnown = rounds.some((r) => r.refusals !== null);
  const participants = addresses.map((address, i): DashboardParticipant => {
    const info = infos[i] as (typeof infos)[number];
    const mine = recorded.flatMap((r) => r.updates.filter((u) => u.participant === address).map((u) => roundReward(u, r)));
    const attribution: DashboardParticipantRound[] = mine.map((m) => ({ round: Number(m.round), score: m.score.toString(), share: ratio(m.score, m.totalScore), reward: amount(m.reward) }));
    return {
      address,
      status: participantStatusName(info.status),
      datasetSize: Number(info.datasetSize),
      credited: amount(info.credited),
      claimed: amount(info.claimed),
      claimable: amount(info.credited - info.claimed),
      earned: amount(mine.reduce((sum, m) => sum + m.reward, 0n)),
      totalScore: mine.reduce((sum, m) => sum + m.score, 0n).toString(),
      rounds: attribution,
      claims: claims.filter((c) => c.participant === address),
      refusals: refusalsKnown ? rounds.reduce((n, r) => n + (r.refusals?.filter((x) => x.participant === address).length ?? 0), 0) : null,
    };
  });

  return {
    version: DASHBOARD_DATA_VERSION,
    ledger: reader.ledger,
    chainId,
    blockNumber: resolved.toBlock.toString(),
    fromBlock: resolved.fromBlock.toString(),
    genesisModelHash,
    headModelHash,
    token,
    roundBudget: amount(roundBudget),
    totalFunded: amount(totalFunded),
    totalCredited: amount(totalCredited),
    rounds,
    participants,
    claims,
    refusalsByReason: refusalsKnown ? countByReason(rounds) : null,
    details: {
      source: parameters.details?.description ?? null,
      roundsWithMetrics: rounds.filter((r) => r.metrics !== null).length,
      roundsWithRefusals: rounds.filter((r) => r.refusals !== null).length,
      mismatchedRounds,
      error: details.error,
    },
  };
}

function dashboardRound(
  r: RecordedRound,
  previous: RecordedRound | undefined,
  genesisModelHash: Hex,
  details: RoundDetails | undefined,
  amount: (value: bigint) => DashboardAmount,
): DashboardRound {
  const expectedBase = r.round === 1n ? genesisModelHash : previous?.round === r.round - 1n ? previous.aggregateModelHash : undefined;
  return {
    round: Number(r.round),
    baseModelHash: r.baseModelHash,
    aggregateModelHash: r.aggregateModelHash,
    updatesDigest: r.updatesDigest,
    transactionHash: r.transactionHash,
    blockNumber: r.blockNumber.toString(),
    participantCount: Number(r.participantCount),
    budget: amount(r.budget),
    totalScore: r.totalScore.toString(),
    remainderRecipient: r.remainderRecipient,
    continuesLineage: expectedBase === undefined ? null : sameHash(expectedBase, r.baseModelHash),
    updates: r.updates.map((u) => ({
      participant: u.participant,
      updateHash: u.updateHash,
      numSamples: u.numSamples.toString(),
      score: u.score.toString(),
      share: ratio(u.score, r.totalScore),
      reward: amount(roundReward(u, r).reward),
    })),
    metrics: details?.metrics ?? null,
    refusals: details?.refusals ?? null,
  };
}

function countByReason(rounds: readonly DashboardRound[]): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of rounds) for (const refusal of r.refusals ?? []) counts.set(refusal.reason, (counts.get(refusal.reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
}
