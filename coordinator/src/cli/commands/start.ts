import type { Account } from "viem";
import type { Logger } from "pino";
import { parseModelSpec } from "@fedledger/client-sdk";
import { type CoordinatorConfig } from "../../config/coordinatorConfig.ts";
import { loadEvaluationData } from "../../config/evaluationData.ts";
import { createCoordinator } from "../../createCoordinator.ts";
import { operatorClients } from "../operatorContext.ts";

/** Runs the coordinator until its configured rounds are recorded or `signal` aborts. */
export async function startCoordinator(p: { config: CoordinatorConfig; account: Account; logger: Logger; signal: AbortSignal; onListening?: (url: string) => void }) {
  const evaluation = p.config.evaluation;
  const evaluationData = evaluation ? await loadEvaluationData(evaluation, parseModelSpec(p.config.model.spec)) : undefined;
  const { publicClient, walletClient } = await operatorClients({ rpcUrl: p.config.chain.rpcUrl, account: p.account });
  const coordinator = await createCoordinator({
    config: p.config,
    publicClient,
    walletClient,
    logger: p.logger,
    ...(evaluationData ? { evaluationData } : {}),
    events: {
      onRoundRecorded: (r) => p.logger.info({ round: r.round, txHash: r.txHash, gasUsed: r.gasUsed.toString(), ...r.metrics }, "round recorded"),
    },
  });
  const url = await coordinator.listen();
  p.onListening?.(url);
  try {
    return await coordinator.run(p.signal);
  } finally {
    await coordinator.close();
  }
}
