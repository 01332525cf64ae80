import { BaseError, ContractFunctionRevertedError } from "viem";
import { isFedLedgerError } from "@fedledger/client-sdk";

export type RetryOptions = {
  /** First delay; doubles each attempt up to `maxDelayMs`. Defaults 250 ms and 10 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxAttempts?: number;
  onRetry?: (attempt: number, error: unknown) => void;
};

/** A contract revert or a typed fedledger error will not change on retry. */
export function isPermanent(error: unknown): boolean {
  if (isFedLedgerError(error)) return true;
  return error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError) !== null;
}

/** The wait after failed attempt `attempt` (1-based): the base delay doubled per attempt, capped. */
export function retryDelay(attempt: number, options: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs"> = {}): number {
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 10_000;
  return Math.min(max, base * 2 ** Math.min(attempt - 1, 30));
}

/** Runs `fn` until it succeeds, retrying transient (RPC, network) failures with exponential backoff. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (isPermanent(error) || attempt >= maxAttempts) throw error;
      options.onRetry?.(attempt, error);
      await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt, options)));
    }
  }
}
