import { type Address, type Hex, isAddressEqual, parseEventLogs, zeroAddress } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import { withChainErrors } from "./chainError.ts";
import type { LedgerReader, LedgerWallet } from "./ledgerClients.ts";

export type ClaimRewardsOptions = {
  /** Who receives the tokens (default: the claiming account itself). */
  recipient?: Address;
  /** Give up waiting for the receipt after this long (default 120 000 ms). */
  receiptTimeoutMs?: number;
};

export type ClaimResult = {
  readonly participant: Address;
  readonly recipient: Address;
  /** Tokens paid, in the token's smallest unit, from the `RewardClaimed` event. */
  readonly amount: bigint;
  readonly transactionHash: Hex;
  readonly blockNumber: bigint;
  readonly gasUsed: bigint;
};

/**
 * Claims all of `wallet.account`'s unclaimed rewards to `recipient`: sends
 * `claim(recipient)` and waits for the receipt.
 *
 * Checks `claimable` first and refuses with CHAIN_ERROR "Nothing to claim" when it is 0
 * (the contract would revert with LedgerNothingToClaim, after charging gas). Throws
 * INVALID_CONFIG for the zero recipient, and CHAIN_ERROR when the transaction cannot be
 * sent (e.g. no gas money, ledger paused) or reverts.
 */
export async function claimRewards(reader: LedgerReader, wallet: LedgerWallet, options: ClaimRewardsOptions = {}): Promise<ClaimResult> {
  const participant = wallet.account.address;
  const recipient = options.recipient ?? participant;
  if (isAddressEqual(recipient, zeroAddress)) {
    throw new FedLedgerError("INVALID_CONFIG", "The claim recipient must not be the zero address");
  }
  const claimable = await withChainErrors("read claimable", () =>
    reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "claimable", args: [participant] }),
  );
  if (claimable === 0n) {
    throw new FedLedgerError("CHAIN_ERROR", `Nothing to claim for ${participant}`, {
      details: "its credited rewards are all claimed, or it has none",
    });
  }
  const transactionHash = await withChainErrors("send the claim transaction", () =>
    wallet.client.writeContract({
      address: reader.ledger,
      abi: contributionLedgerAbi,
      functionName: "claim",
      args: [recipient],
    }),
  );
  const receipt = await withChainErrors("wait for the claim receipt", () =>
    reader.client.waitForTransactionReceipt({ hash: transactionHash, timeout: options.receiptTimeoutMs ?? 120_000 }),
  );
  if (receipt.status !== "success") {
    throw new FedLedgerError("CHAIN_ERROR", "The claim transaction reverted", { details: `transaction ${transactionHash}` });
  }
  const [claimed] = parseEventLogs({
    abi: contributionLedgerAbi,
    eventName: "RewardClaimed",
    logs: receipt.logs.filter((log) => isAddressEqual(log.address, reader.ledger)),
    strict: true,
  });
  if (claimed === undefined) {
    throw new FedLedgerError("CHAIN_ERROR", "The claim transaction succeeded but logged no RewardClaimed event", {
      details: `transaction ${transactionHash}`,
    });
  }
  return {
    participant,
    recipient: claimed.args.recipient,
    amount: claimed.args.amount,
    transactionHash,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
  };
}
