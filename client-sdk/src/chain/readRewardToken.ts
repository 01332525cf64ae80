import { type Address, erc20Abi } from "viem";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import { withChainErrors } from "./chainError.ts";
import type { LedgerReader } from "./ledgerClients.ts";

/** The ledger's reward token. `symbol` and `decimals` are null when the token does not expose them. */
export type RewardTokenInfo = {
  readonly address: Address;
  readonly symbol: string | null;
  readonly decimals: number | null;
};

/** Reads `rewardToken()` and the token's ERC-20 symbol and decimals (optional metadata). Throws CHAIN_ERROR. */
export async function readRewardToken(reader: Pick<LedgerReader, "client" | "ledger">): Promise<RewardTokenInfo> {
  const address = await withChainErrors("read rewardToken", () =>
    reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "rewardToken" }),
  );
  const [symbol, decimals] = await Promise.all([
    reader.client.readContract({ address, abi: erc20Abi, functionName: "symbol" }).catch(() => null),
    reader.client.readContract({ address, abi: erc20Abi, functionName: "decimals" }).catch(() => null),
  ]);
  return { address, symbol, decimals };
}
