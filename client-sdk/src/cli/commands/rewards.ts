import type { Address } from "viem";
import type { BlockRange } from "../../chain/blockRange.ts";
import { type ParticipantRewards, readRewards } from "../../chain/readRewards.ts";
import { readRewardToken, type RewardTokenInfo } from "../../chain/readRewardToken.ts";
import { formatAmount } from "../format/formatAmount.ts";
import { formatFields, formatTable } from "../format/formatTable.ts";
import type { ChainDependencies } from "./status.ts";

export type RewardsOptions = { address: Address; range?: BlockRange };
export type RewardsResult = ParticipantRewards & { readonly ledger: Address; readonly token: RewardTokenInfo };

/** The participant's credited, claimed and claimable rewards, what each round paid it, and its claims. */
export async function rewardsCommand(options: RewardsOptions, dependencies: ChainDependencies): Promise<RewardsResult> {
  const [rewards, token] = await Promise.all([
    readRewards(dependencies.reader, options.address, options.range),
    readRewardToken(dependencies.reader),
  ]);
  return { ledger: dependencies.reader.ledger, token, ...rewards };
}

export function formatRewards(result: RewardsResult): string {
  const amount = (value: bigint) => formatAmount(value, result.token);
  const parts = [
    formatFields([
      ["Participant", result.address],
      ["Ledger", result.ledger],
      ["Credited", amount(result.credited)],
      ["Claimed", amount(result.claimed)],
      ["Claimable", amount(result.claimable)],
      ["As of block", String(result.blockNumber)],
    ]),
  ];
  if (result.rounds.length === 0) {
    parts.push("No rounds contributed.");
  } else {
    parts.push(
      formatTable(
        ["Round", "Score", "Total score", "Reward"],
        result.rounds.map((r) => [
          String(r.round),
          String(r.score),
          String(r.totalScore),
          `${amount(r.reward)}${r.remainder > 0n ? ` (incl. remainder ${r.remainder})` : ""}`,
        ]),
        ["right", "right", "right", "left"],
      ),
    );
  }
  if (result.claims.length > 0) {
    parts.push(
      formatTable(
        ["Claim block", "Recipient", "Amount"],
        result.claims.map((c) => [String(c.blockNumber), c.recipient, amount(c.amount)]),
        ["right", "left", "right"],
      ),
    );
  }
  if (!result.reconciled) {
    parts.push(
      `Note: the scanned events account for ${amount(result.earned)} credited and ${amount(result.claimedInClaims)} claimed; ` +
        "the ledger's totals differ, so earlier blocks (--from-block) hold more history.",
    );
  }
  return parts.join("\n\n");
}
