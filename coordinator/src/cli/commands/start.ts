import type { Account } from "viem";
import type { Logger } from "pino";
import { createLedgerReader } from "@fedledger/client-sdk";
import { type CoordinatorConfig } from "../../config/coordinatorConfig.ts";
import { createCoordinator } from "../../createCoordinator.ts";
import { preflight } from "../../preflight/preflight.ts";
import { createCreditLog } from "./creditLog.ts";
import { operatorClients } from "../operatorContext.ts";

/**
 * Runs the coordinator until its configured rounds are recorded (and their final model
 * fetched, see finalFetches) or `signal` aborts. Listens only once the preflight checks
 * passed (chain, ledger, role, funding, evaluation data): each failure throws before.
 */
export async function startCoordinator(p: { config: CoordinatorConfig; account: Account; logger: Logger; signal: AbortSignal; onListening?: (url: string) => void }) {
  const { evaluationData } = await preflight({ config: p.config, coordinator: p.account.address, logger: p.logger });
  const { publicClient, walletClient } = await operatorClients({ rpcUrl: p.config.chain.rpcUrl, account: p.account });
  const credits = createCreditLog(createLedgerReader({ rpcUrl: p.config.chain.rpcUrl, ledger: p.config.chain.ledger }), p.logger);
  const coordinator = await createCoordinator({
    config: p.config,
    publicClient,
    walletClient,
    logger: p.logger,
    ...(evaluationData ? { evaluationData } : {}),
    events: {
      onRoundRecorded: (r) => {
        p.logger.info({ round: r.round, txHash: r.txHash, gasUsed: r.gasUsed.toString(), ...r.metrics }, "round recorded");
        credits.log(r.round);
      },
    },
  });
  const url = await coordinator.listen();
  p.onListening?.(url);
  try {
    const rounds = await coordinator.run(p.signal);
    // Participants fetch the last round's model when it ends: serve them before closing.
    const last = rounds.at(-1);
    if (last) await coordinator.finalFetches(last.aggregateModelHash, p.signal);
    await credits.flushed();
    return rounds;
  } finally {
    await coordinator.close();
  }
}
