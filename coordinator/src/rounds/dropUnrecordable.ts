import { contributionLedgerAbi } from "@fedledger/client-sdk";
import type { UpdateRow } from "../stores/stateStore.ts";
import { withRetry } from "../ledger/withRetry.ts";
import type { EngineContext } from "./engineContext.ts";

/**
 * Re-reads, just before aggregation, what the ledger will check for every accepted
 * update: the participant is still active and its registered dataset commitment is the
 * one it signed. A participant deactivated (or that replaced its commitment) after its
 * update was acknowledged would make `recordRound` revert for everyone; its update is
 * left out of the round instead (logged and counted), so the round can still be recorded.
 */
export async function dropUnrecordable(
  ctx: Pick<EngineContext, "publicClient" | "ledgerAddress" | "state" | "logger" | "metrics" | "ledger">,
  round: number,
  updates: readonly UpdateRow[],
): Promise<UpdateRow[]> {
  // Transient RPC failures are retried like the ledger writer's: the round waits for the chain.
  const infos = await withRetry(
    () =>
      Promise.all(
        updates.map((u) =>
          ctx.publicClient.readContract({
            address: ctx.ledgerAddress,
            abi: contributionLedgerAbi,
            functionName: "participantInfo",
            args: [u.participant],
          }),
        ),
      ),
    {
      ...ctx.ledger.retry,
      onRetry: (attempt, error) =>
        ctx.logger.warn({ round, attempt, err: error instanceof Error ? error.message : String(error) }, "participant check failed; retrying"),
    },
  );
  const kept: UpdateRow[] = [];
  updates.forEach((u, i) => {
    const info = infos[i];
    const reason =
      info?.status !== 1
        ? "NOT_REGISTERED"
        : info.datasetCommitment.toLowerCase() !== u.datasetCommitment.toLowerCase()
          ? "INVALID_SIGNATURE"
          : undefined;
    if (!reason) {
      kept.push(u);
      return;
    }
    ctx.state.excludeUpdate(round, u.participant);
    ctx.metrics.updatesRefused.inc({ reason });
    ctx.logger.warn({ round, participant: u.participant, reason }, "acknowledged update left out: the ledger would refuse it");
  });
  return kept;
}
