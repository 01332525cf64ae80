import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  type Hex,
  type PublicClient,
  type Transport,
  type Chain,
  type Account,
  type WalletClient,
} from "viem";
import { contributionLedgerAbi, FedLedgerError } from "@fedledger/client-sdk";
import type { StateStore } from "../stores/stateStore.ts";
import { type RetryOptions, withRetry } from "./withRetry.ts";

export type SignedUpdateArgument = {
  participant: Address;
  updateHash: Hex;
  numSamples: bigint;
  score: bigint;
  datasetCommitment: Hex;
  r: Hex;
  vs: Hex;
};

export type LedgerWriterDependencies = {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  ledger: Address;
  state: StateStore;
  /** Backoff for transient RPC failures: base delay, doubling up to `maxDelayMs`. */
  retry?: Omit<RetryOptions, "onRetry">;
  onRetry?: (attempt: number, error: unknown) => void;
};

export type RecordRoundParameters = {
  round: number;
  baseModelHash: Hex;
  aggregateModelHash: Hex;
  /** SHA-256 of the round's signed in-toto statement; the ledger refuses zero. */
  statementDigest: Hex;
  /** In ascending participant order, as the contract requires. */
  updates: readonly SignedUpdateArgument[];
};

export type RecordRoundResult = { txHash: Hex; gasUsed: bigint; alreadyRecorded: boolean };

/**
 * Records a round exactly once, across crashes and RPC outages.
 *
 * Before any send it asks the chain: if the round is already there (an earlier attempt
 * or process got it in), it returns that transaction. A sent transaction's hash is
 * stored before waiting, so a restart finds it and waits for it instead of sending
 * again. Transient RPC errors are retried with exponential backoff; a contract revert
 * is permanent and surfaces as CHAIN_ERROR with the custom error's name. If two sends
 * ever race, the contract itself refuses the second (LedgerRoundAlreadyRecorded).
 */
export async function recordRound(deps: LedgerWriterDependencies, p: RecordRoundParameters): Promise<RecordRoundResult> {
  try {
    return await withRetry((attempt) => attemptRecord(deps, p, attempt), {
      ...deps.retry,
      ...(deps.onRetry ? { onRetry: deps.onRetry } : {}),
    });
  } catch (error) {
    throw asChainError(error, p.round);
  }
}

async function attemptRecord(deps: LedgerWriterDependencies, p: RecordRoundParameters, attempt: number): Promise<RecordRoundResult> {
  const { publicClient, ledger } = deps;
  const existing = await findRecorded(deps, p.round);
  if (existing) return existing;

  const prior = deps.state.getLedgerTx(p.round);
  if (prior?.status === "sent") {
    const receipt = await publicClient.getTransactionReceipt({ hash: prior.txHash }).catch(() => undefined);
    if (receipt?.status === "success") return confirm(deps, p.round, prior.txHash, receipt.gasUsed, false);
    const pending = receipt ? undefined : await publicClient.getTransaction({ hash: prior.txHash }).catch(() => undefined);
    if (pending) {
      const mined = await publicClient.waitForTransactionReceipt({ hash: prior.txHash, timeout: 60_000 });
      if (mined.status === "success") return confirm(deps, p.round, prior.txHash, mined.gasUsed, false);
    }
    // Dropped or reverted: fall through and send again (the chain check above ran first).
  }

  const args = [BigInt(p.round), p.baseModelHash, p.aggregateModelHash, p.statementDigest, [...p.updates]] as const;
  const { request } = await publicClient.simulateContract({
    address: ledger,
    abi: contributionLedgerAbi,
    functionName: "recordRound",
    args,
    account: deps.walletClient.account,
  });
  const txHash = await deps.walletClient.writeContract(request);
  deps.state.putLedgerTx({ round: p.round, txHash, status: "sent", attempts: attempt, lastError: null });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash, timeout: 120_000 });
  if (receipt.status !== "success") {
    // Someone else's transaction may have recorded it first; the next attempt checks.
    const raced = await findRecorded(deps, p.round);
    if (raced) return raced;
    throw new FedLedgerError("CHAIN_ERROR", `recordRound for round ${p.round} reverted`, { details: txHash });
  }
  return confirm(deps, p.round, txHash, receipt.gasUsed, false);
}

async function findRecorded(deps: LedgerWriterDependencies, round: number): Promise<RecordRoundResult | undefined> {
  const latest = await deps.publicClient.readContract({ address: deps.ledger, abi: contributionLedgerAbi, functionName: "latestRound" });
  if (latest < BigInt(round)) return undefined;
  const events = await deps.publicClient.getContractEvents({
    address: deps.ledger,
    abi: contributionLedgerAbi,
    eventName: "RoundRecorded",
    args: { round: BigInt(round) },
    fromBlock: 0n,
  });
  const event = events[0];
  if (!event?.transactionHash) {
    throw new FedLedgerError("CHAIN_ERROR", `Round ${round} is on-chain but its RoundRecorded event was not found`);
  }
  const receipt = await deps.publicClient.getTransactionReceipt({ hash: event.transactionHash });
  return confirm(deps, round, event.transactionHash, receipt.gasUsed, true);
}

function confirm(deps: LedgerWriterDependencies, round: number, txHash: Hex, gasUsed: bigint, alreadyRecorded: boolean): RecordRoundResult {
  deps.state.putLedgerTx({ round, txHash, status: "confirmed", attempts: deps.state.getLedgerTx(round)?.attempts ?? 1, lastError: null });
  return { txHash, gasUsed, alreadyRecorded };
}

function asChainError(error: unknown, round: number): FedLedgerError {
  if (error instanceof FedLedgerError) return error;
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const name = revert.data?.errorName ?? "unknown revert";
      return new FedLedgerError("CHAIN_ERROR", `The ledger refused round ${round}: ${name}`, {
        details: revert.data?.args ? revert.data.args.map(String).join(", ") : revert.shortMessage,
        cause: error,
      });
    }
    return new FedLedgerError("CHAIN_ERROR", `Recording round ${round} failed`, { details: error.shortMessage, cause: error });
  }
  return new FedLedgerError("CHAIN_ERROR", `Recording round ${round} failed`, { cause: error });
}
