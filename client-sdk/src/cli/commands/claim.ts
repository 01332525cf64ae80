import type { Address } from "viem";
import type { LocalAccount } from "viem/accounts";
import { type ClaimResult, claimRewards } from "../../chain/claimRewards.ts";
import { createLedgerWallet, type LedgerReader } from "../../chain/ledgerClients.ts";
import { readRewardToken, type RewardTokenInfo } from "../../chain/readRewardToken.ts";
import { formatAmount } from "../format/formatAmount.ts";
import { formatFields } from "../format/formatTable.ts";

export type ClaimOptions = { recipient?: Address };
export type ClaimDependencies = { reader: LedgerReader; account: LocalAccount };
export type ClaimCommandResult = ClaimResult & { readonly ledger: Address; readonly token: RewardTokenInfo };

/** Claims all of the account's unclaimed rewards to `recipient` (default: itself). */
export async function claimCommand(options: ClaimOptions, dependencies: ClaimDependencies): Promise<ClaimCommandResult> {
  const wallet = await createLedgerWallet(dependencies.reader, dependencies.account);
  const result = await claimRewards(dependencies.reader, wallet, options.recipient === undefined ? {} : { recipient: options.recipient });
  const token = await readRewardToken(dependencies.reader);
  return { ledger: dependencies.reader.ledger, token, ...result };
}

export function formatClaim(result: ClaimCommandResult): string {
  return formatFields([
    ["Claimed", formatAmount(result.amount, result.token)],
    ["Participant", result.participant],
    ["Recipient", result.recipient],
    ["Transaction", result.transactionHash],
    ["Block", String(result.blockNumber)],
  ]);
}
