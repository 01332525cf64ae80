import type { Logger } from "pino";
import { type Address, BaseError } from "viem";
import {
  checkLedgerEndpoint,
  contributionLedgerAbi,
  createLedgerReader,
  type Dataset,
  FedLedgerError,
  formatAmount,
  isFedLedgerError,
  type LedgerReader,
  parseModelSpec,
  readRewardToken,
} from "@fedledger/client-sdk";
import type { CoordinatorConfig } from "../config/coordinatorConfig.ts";
import { loadEvaluationData } from "../config/evaluationData.ts";

export type PreflightParameters = {
  config: CoordinatorConfig;
  /** The account that signs recordRound. */
  coordinator: Address;
  logger: Logger;
};

/** The role recordRound needs: the ledger's getter of that name returns its hash. */
const COORDINATOR_ROLE = "COORDINATOR_ROLE";

const reason = (error: unknown) =>
  (error instanceof BaseError ? error.details || error.shortMessage : error instanceof Error ? error.message : String(error)).split("\n", 1)[0] ?? "";

/**
 * What `start` checks before it listens, in order; each failure is one typed error saying
 * what to fix, where it would otherwise surface only after participants trained a round:
 * the chain answers at chain.rpcUrl (CHAIN_ERROR naming it); a ContributionLedger is at
 * chain.ledger (INVALID_CONFIG); the key holds COORDINATOR_ROLE (MISSING_ROLE); the
 * funding not yet credited covers one round's budget (LEDGER_UNDERFUNDED, in token units;
 * a warning when it covers fewer than the rounds left); the evaluation data fits the model
 * (SHAPE_MISMATCH, as loadEvaluationData says). Returns the evaluation data it loaded.
 */
export async function preflight(p: PreflightParameters): Promise<{ evaluationData?: Dataset }> {
  const { rpcUrl, ledger } = p.config.chain;
  const reader = createLedgerReader({ rpcUrl, ledger, retryCount: 1 });
  const chainId = await checkLedgerEndpoint(reader, { rpcUrl, rpcOption: "chain.rpcUrl", ledgerOption: "chain.ledger" });
  const state = await readLedgerState(reader, p.coordinator);
  if (!state.isCoordinator) {
    throw new FedLedgerError("MISSING_ROLE", `The coordinator key ${p.coordinator} does not hold ${COORDINATOR_ROLE} on the ledger ${reader.ledger}`, {
      details: `recordRound needs it; the ledger's admin grants it with grantRole(${COORDINATOR_ROLE}, ${p.coordinator})`,
    });
  }
  await checkFunding(reader, state, p.config.rounds.rounds, p.logger);
  p.logger.info({ chainId, ledger: reader.ledger, coordinator: p.coordinator, latestRound: Number(state.latestRound) }, "preflight passed");
  const evaluation = p.config.evaluation;
  return evaluation ? { evaluationData: await loadEvaluationData(evaluation, parseModelSpec(p.config.model.spec)) } : {};
}

type LedgerState = { isCoordinator: boolean; roundBudget: bigint; totalFunded: bigint; totalCredited: bigint; latestRound: bigint };

/** The ledger's answers preflight needs; a contract that does not give them is not a ContributionLedger. */
async function readLedgerState(reader: LedgerReader, coordinator: Address): Promise<LedgerState> {
  const read = { address: reader.ledger, abi: contributionLedgerAbi } as const;
  try {
    const [role, roundBudget, totalFunded, totalCredited, latestRound] = await Promise.all([
      reader.client.readContract({ ...read, functionName: COORDINATOR_ROLE }),
      reader.client.readContract({ ...read, functionName: "roundBudget" }),
      reader.client.readContract({ ...read, functionName: "totalFunded" }),
      reader.client.readContract({ ...read, functionName: "totalCredited" }),
      reader.client.readContract({ ...read, functionName: "latestRound" }),
    ]);
    const isCoordinator = await reader.client.readContract({ ...read, functionName: "hasRole", args: [role, coordinator] });
    return { isCoordinator, roundBudget, totalFunded, totalCredited, latestRound };
  } catch (error) {
    if (isFedLedgerError(error)) throw error;
    throw new FedLedgerError("INVALID_CONFIG", `The contract at chain.ledger ${reader.ledger} is not a ContributionLedger`, { details: reason(error), cause: error });
  }
}

/** Refuses funding below one round's budget; warns below the rounds still to record. */
async function checkFunding(reader: LedgerReader, state: LedgerState, rounds: number, logger: Logger): Promise<void> {
  const remaining = BigInt(rounds) - state.latestRound;
  if (remaining <= 0n) return;
  const token = await readRewardToken(reader);
  const amount = (value: bigint) => formatAmount(value, token);
  const available = state.totalFunded - state.totalCredited;
  if (available < state.roundBudget) {
    throw new FedLedgerError("LEDGER_UNDERFUNDED", `The ledger's funding covers no round: ${amount(available)} left, one round's budget is ${amount(state.roundBudget)}`, {
      details: `fund at least ${amount(state.roundBudget - available)} more before starting`,
    });
  }
  const needed = state.roundBudget * remaining;
  if (available < needed) {
    logger.warn(
      { available: amount(available), needed: amount(needed), roundsLeft: Number(remaining) },
      `the ledger's funding covers ${available / state.roundBudget} of the ${remaining} rounds left: fund ${amount(needed - available)} more to pay them all`,
    );
  }
}
