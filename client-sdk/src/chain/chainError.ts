import {
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  HttpRequestError,
  TimeoutError,
} from "viem";
import { FedLedgerError, isFedLedgerError } from "../errors/FedLedgerError.ts";

/** The first line of a viem message: its later lines repeat request arguments verbatim. */
function firstLine(text: string): string {
  return text.split("\n", 1)[0]?.trim() ?? "";
}

/**
 * Turns a failure of a chain request into a CHAIN_ERROR that says what was being done
 * (`action`, e.g. "read participantInfo") and why, in one line. Contract reverts name the
 * ledger error (e.g. `LedgerNothingToClaim`); a call to an address without code says so;
 * transport failures say the node cannot be reached. A FedLedgerError passes unchanged.
 * Details never carry request arguments (they hold no keys, but they are noise).
 */
export function toChainError(cause: unknown, action: string): FedLedgerError {
  if (isFedLedgerError(cause)) return cause;
  if (cause instanceof BaseError) {
    const reverted = cause.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const name = reverted.data?.errorName ?? reverted.reason ?? "unknown reason";
      return new FedLedgerError("CHAIN_ERROR", `Cannot ${action}: the ledger reverted with ${name}`, {
        details: firstLine(reverted.shortMessage),
        cause,
      });
    }
    if (cause.walk((e) => e instanceof ContractFunctionZeroDataError) !== null) {
      return new FedLedgerError("CHAIN_ERROR", `Cannot ${action}: no ContributionLedger at the ledger address`, {
        details: "the call returned no data: check --ledger and that the RPC URL is for the right chain",
        cause,
      });
    }
    const unreachable = cause.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError);
    if (unreachable instanceof BaseError) {
      return new FedLedgerError("CHAIN_ERROR", `Cannot ${action}: the RPC endpoint cannot be reached`, {
        details: firstLine(unreachable.details || unreachable.shortMessage),
        cause,
      });
    }
    return new FedLedgerError("CHAIN_ERROR", `Cannot ${action}: ${firstLine(cause.shortMessage)}`, {
      ...(cause.details ? { details: firstLine(cause.details) } : {}),
      cause,
    });
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return new FedLedgerError("CHAIN_ERROR", `Cannot ${action}`, { details: firstLine(message), cause });
}

/** Runs `request`, converting any failure with {@link toChainError}. */
export async function withChainErrors<T>(action: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (cause) {
    throw toChainError(cause, action);
  }
}
