import { formatUnits } from "viem";
import type { RewardTokenInfo } from "../../chain/readRewardToken.ts";

/** A token amount for people: `12.5 FLR` with the token's decimals, or base units when they are unknown. */
export function formatAmount(amount: bigint, token: RewardTokenInfo | null): string {
  if (token === null || token.decimals === null) return `${amount} (base units)`;
  return `${formatUnits(amount, token.decimals)}${token.symbol === null ? "" : ` ${token.symbol}`}`;
}
