import type { Hex } from "viem";
import { type ErrorCode, isFedLedgerError, isValidSampleCount, recoverUpdateSigner } from "@fedledger/client-sdk";
import type { UpdateRow } from "../stores/stateStore.ts";
import type { EngineContext } from "./engineContext.ts";
import { readRegistry } from "./readRegistry.ts";

export type DropUnrecordableContext = Pick<EngineContext, "registryEntry" | "domain" | "state" | "logger" | "metrics" | "ledger">;

/**
 * Re-checks stored updates against everything `recordRound` checks, in the ledger's
 * terms: a sample count in range and within the registered dataset size, a canonical
 * signature (low s, compact form) over this round and base that recovers to the
 * participant, a participant that is still active with the dataset commitment it signed,
 * and one update per participant. An update that
 * fails (deactivated after its ack, a commitment replaced, a row written by an older
 * coordinator) would make the ledger refuse the whole round; it is left out instead
 * (excluded with its reason, logged and counted), so the rest can be recorded.
 *
 * Runs before aggregation and on every resume, so a restart never resumes into a round
 * the ledger cannot take. `updates` are in canonical order; so is the result.
 */
export async function dropUnrecordable(
  ctx: DropUnrecordableContext,
  round: { round: number; baseModelHash: Hex },
  updates: readonly UpdateRow[],
): Promise<UpdateRow[]> {
  const registry = await readRegistry(ctx, round.round, [...new Set(updates.map((u) => u.participant))]);
  const kept: UpdateRow[] = [];
  for (const u of updates) {
    const entry = registry.get(u.participant);
    const previous = kept.at(-1);
    const reason: ErrorCode | undefined = !isValidSampleCount(u.numSamples) || (entry && u.numSamples > entry.datasetSize)
      ? "INVALID_PAYLOAD"
      : !(await signedBy(ctx, round, u))
        ? "INVALID_SIGNATURE"
        : !entry?.active
          ? "NOT_REGISTERED"
          : entry.datasetCommitment.toLowerCase() !== u.datasetCommitment.toLowerCase()
            ? "INVALID_SIGNATURE"
            : previous && BigInt(previous.participant) >= BigInt(u.participant)
              ? "DUPLICATE_SUBMISSION"
              : undefined;
    if (!reason) {
      kept.push(u);
      continue;
    }
    ctx.state.excludeUpdate(round.round, u.participant, reason);
    ctx.metrics.updatesRefused.inc({ reason });
    ctx.logger.warn({ round: round.round, participant: u.participant, reason }, "acknowledged update left out: the ledger would refuse it");
  }
  return kept;
}

async function signedBy(ctx: DropUnrecordableContext, round: { round: number; baseModelHash: Hex }, u: UpdateRow): Promise<boolean> {
  try {
    const signer = await recoverUpdateSigner(
      ctx.domain,
      {
        round: BigInt(round.round),
        baseModelHash: round.baseModelHash,
        updateHash: u.updateHash,
        numSamples: BigInt(u.numSamples),
        datasetCommitment: u.datasetCommitment,
      },
      u.signature,
    );
    return signer.toLowerCase() === u.participant.toLowerCase();
  } catch (error) {
    if (isFedLedgerError(error, "INVALID_SIGNATURE")) return false;
    throw error;
  }
}
