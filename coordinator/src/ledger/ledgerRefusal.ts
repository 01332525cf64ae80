import { type Address, BaseError, ContractFunctionRevertedError, erc20Abi, formatUnits, type PublicClient } from "viem";
import { contributionLedgerAbi, type ErrorCode, isFedLedgerError } from "@fedledger/client-sdk";
import { roleName } from "./ledgerRoles.ts";

/** Why the ledger refused a `recordRound`, decoded from its custom error. */
export type LedgerRefusal = {
  /** The custom error's name (e.g. LedgerInvalidSignature), or "unknown" for a revert without data. */
  errorName: string;
  args: readonly unknown[];
  /**
   * For a per-update error (its first argument is `index`): the position of the refused
   * update in the record. Undefined for round-level refusals (paused, budget not funded).
   */
  updateIndex: number | undefined;
};

/** Per-update custom errors, as the refusal codes the coordinator counts them under. */
const UPDATE_REFUSAL_CODES: Readonly<Record<string, ErrorCode>> = {
  LedgerInvalidSignature: "INVALID_SIGNATURE",
  LedgerCommitmentMismatch: "INVALID_SIGNATURE",
  LedgerSignerNotActive: "NOT_REGISTERED",
  LedgerDuplicateParticipant: "DUPLICATE_SUBMISSION",
  LedgerSampleCountExceedsDataset: "INVALID_PAYLOAD",
  LedgerUpdatesNotSorted: "INTERNAL",
};

/**
 * Decodes the ledger's refusal from what `recordRound` threw: the contract's custom error
 * (viem's ContractFunctionRevertedError, anywhere in the cause chain) with its arguments.
 * A CHAIN_ERROR without revert data (a transaction that reverted after a successful
 * simulation) is an "unknown" round-level refusal. Anything else is not a refusal.
 */
export function ledgerRefusal(error: unknown): LedgerRefusal | undefined {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    const revert = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
    if (revert instanceof ContractFunctionRevertedError) {
      const errorName = revert.data?.errorName ?? "unknown";
      const args = revert.data?.args ?? [];
      const definition = contributionLedgerAbi.find((item) => item.type === "error" && item.name === errorName);
      const first = definition && "inputs" in definition ? definition.inputs[0] : undefined;
      const index = first?.name === "index" && typeof args[0] === "bigint" ? Number(args[0]) : undefined;
      return { errorName, args, updateIndex: index };
    }
  }
  return isFedLedgerError(error, "CHAIN_ERROR") ? { errorName: "unknown", args: [], updateIndex: undefined } : undefined;
}

/** The refusal code an update refused by the ledger is excluded under. */
export function updateRefusalCode(refusal: LedgerRefusal): ErrorCode {
  return UPDATE_REFUSAL_CODES[refusal.errorName] ?? "CHAIN_ERROR";
}

/**
 * One line for the operator on a round-level refusal: what is wrong and what fixes it,
 * with token amounts in the reward token's units when it exposes its decimals.
 */
export async function describeRoundRefusal(refusal: LedgerRefusal, chain: { publicClient: PublicClient; ledger: Address }): Promise<string> {
  const [first, second] = refusal.args;
  switch (refusal.errorName) {
    case "LedgerBudgetNotFunded": {
      const amount = await tokenFormatter(chain);
      return `the round budget ${amount(first)} exceeds the funded, uncredited ${amount(second)}; fund the ledger or lower the budget`;
    }
    case "unknown":
      return "the record reverted without a reason";
    default:
      return describeLedgerError(refusal);
  }
}

/**
 * Any ledger refusal as one line for the operator: a missing role by its name
 * ("0x… lacks the COORDINATOR role"), otherwise the custom error with its arguments.
 */
export function describeLedgerError(refusal: LedgerRefusal): string {
  const [first, second] = refusal.args;
  switch (refusal.errorName) {
    case "AccessControlUnauthorizedAccount":
      return `${String(first)} lacks the ${roleName(second)} role`;
    case "EnforcedPause":
      return "the ledger is paused; an admin must unpause it";
    default:
      return `${refusal.errorName}(${refusal.args.map(String).join(", ")})`;
  }
}

async function tokenFormatter(chain: { publicClient: PublicClient; ledger: Address }): Promise<(value: unknown) => string> {
  try {
    const token = await chain.publicClient.readContract({ address: chain.ledger, abi: contributionLedgerAbi, functionName: "rewardToken" });
    const [decimals, symbol] = await Promise.all([
      chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "decimals" }),
      chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "symbol" }).catch(() => "tokens"),
    ]);
    return (value) => (typeof value === "bigint" ? `${formatUnits(value, decimals)} ${symbol}` : String(value));
  } catch {
    return (value) => `${String(value)} (smallest token units)`;
  }
}
