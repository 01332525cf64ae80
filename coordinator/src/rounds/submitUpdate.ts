import type { Address, Hex } from "viem";
import { type Ack, FedLedgerError, isFedLedgerError, messages, type SubmitReceipt, type SubmitUpdate } from "@fedledger/client-sdk";
import type { UpdateRow } from "../stores/stateStore.ts";
import { validateSubmission } from "../validation/validateSubmission.ts";
import type { EngineContext } from "./engineContext.ts";
import type { OpenRound } from "./openRound.ts";

/**
 * Handles one `round:submit`: validates it, stores it durably (the signed bytes in the
 * content store, the only copy: the aggregator reads the layers there; then the SQLite
 * row), and only then acknowledges. Never throws: every
 * outcome is an Ack, refusals carry a protocol error code.
 *
 * Resending an acknowledged update identically (same round, hash and signature) gets its
 * ack back with `duplicate: true` whatever the round's state, even after the round closed
 * or was recorded, so a client that lost the ack can retry without retraining. A
 * different update from the same participant in the same round is refused with
 * DUPLICATE_SUBMISSION.
 */
/**
 * What accepting a submission needs: no chain writes, no sockets. Without `updateChecks`,
 * updates are hashed and measured on the event loop; without `updateRows`, each row is
 * inserted (and synced) on its own.
 */
export type SubmissionDependencies = Pick<
  EngineContext,
  "settings" | "safety" | "strategy" | "state" | "content" | "updates" | "domain" | "metrics" | "logger" | "now" | "registryEntry" | "eventLog"
> &
  Partial<Pick<EngineContext, "updateChecks" | "updateRows">>;

export async function submitUpdate(
  ctx: SubmissionDependencies,
  open: OpenRound | undefined,
  sender: Address,
  raw: unknown,
): Promise<Ack<SubmitReceipt>> {
  // What the submission declares, for the event log (null until it parses).
  let declared: { round: number | null; updateHash: Hex | null } = { round: null, updateHash: null };
  try {
    const parsed = messages.submitUpdateSchema.safeParse(raw);
    if (!parsed.success) {
      throw new FedLedgerError("INVALID_PAYLOAD", "Malformed submission", { details: messages.describeIssues(parsed.error) });
    }
    const submission = parsed.data;
    declared = { round: submission.round, updateHash: submission.updateHash };
    ctx.metrics.bytesReceived.inc(submission.update.byteLength);
    // An identical resend of an acknowledged update: its ack again, before any round check.
    const existing = ctx.state.getUpdate(submission.round, sender);
    if (existing && sameUpdate(existing, submission)) {
      logAccepted(ctx, sender, existing, true);
      return { ok: true, data: { round: submission.round, updateHash: existing.updateHash, duplicate: true } };
    }
    if (!open) {
      const latest = ctx.state.latestRound();
      if (latest && submission.round <= latest.round && latest.status !== "open") {
        throw new FedLedgerError("LATE_SUBMISSION", `Round ${submission.round} is over`);
      }
      throw new FedLedgerError("ROUND_NOT_OPEN", "No round is open");
    }
    if (submission.round < open.round) throw new FedLedgerError("LATE_SUBMISSION", `Round ${submission.round} is over`);

    if (existing) throw new FedLedgerError("DUPLICATE_SUBMISSION", `${sender} already submitted an update for round ${submission.round}`);

    const registry = await ctx.registryEntry(sender);
    if (!registry.active) throw new FedLedgerError("NOT_REGISTERED", `${sender} is not an active participant on the ledger`);
    if (submission.numSamples > registry.datasetSize) {
      throw new FedLedgerError("INVALID_PAYLOAD", "The update declares more samples than the participant's registered dataset holds", {
        details: `${submission.numSamples} > ${registry.datasetSize}`,
      });
    }
    const datasetCommitment = registry.datasetCommitment;
    // `bytes` from here on: a worker may have had (and detached) `submission.update`.
    const { norm, frame, bytes, offloaded } = await validateSubmission({
      context: {
        round: open.round,
        baseModelHash: open.baseModelHash,
        deadline: open.deadline,
        closed: open.closed,
        selected: open.selected,
        layout: ctx.settings.layout,
        dtype: ctx.settings.dtype,
        domain: ctx.domain,
        maxUpdateBytes: ctx.settings.maxUpdateBytes,
        maxUpdateNorm: ctx.safety.maxUpdateNorm,
      },
      sender,
      submission,
      datasetCommitment,
      checkUpdate: (update) => ctx.strategy.checkUpdate(update),
      now: ctx.now(),
      pool: ctx.updateChecks,
    });

    // validateSubmission hashed these exact bytes and matched them to updateHash.
    await ctx.content.put(bytes, submission.updateHash);
    ctx.updates.locate(submission.updateHash, frame);
    const row = {
      round: submission.round,
      participant: sender,
      updateHash: submission.updateHash,
      numSamples: submission.numSamples,
      signature: submission.signature,
      datasetCommitment,
      dtype: ctx.settings.dtype,
      norm,
    };
    // The round may have closed while this update was being checked and stored.
    const inserted = ctx.updateRows ? await ctx.updateRows.insert(row, () => !open.closed) : open.closed ? "closed" : ctx.state.insertUpdate(row);
    if (inserted === "closed") throw new FedLedgerError("LATE_SUBMISSION", `The deadline of round ${open.round} has passed`);
    if (!inserted) {
      const winner = ctx.state.getUpdate(submission.round, sender);
      if (!winner || !sameUpdate(winner, submission)) {
        throw new FedLedgerError("DUPLICATE_SUBMISSION", `${sender} already submitted an update for round ${submission.round}`);
      }
      logAccepted(ctx, sender, winner, true);
      return { ok: true, data: { round: submission.round, updateHash: submission.updateHash, duplicate: true } };
    }
    open.markAcked(sender);
    logAccepted(ctx, sender, submission, false);
    ctx.metrics.updatesAccepted.inc();
    ctx.metrics.updatesChecked.inc({ where: offloaded ? "worker" : "event_loop" });
    ctx.logger.info({ round: submission.round, participant: sender, updateHash: submission.updateHash, numSamples: submission.numSamples }, "update accepted");
    return { ok: true, data: { round: submission.round, updateHash: submission.updateHash, duplicate: false } };
  } catch (error) {
    const refusal = isFedLedgerError(error)
      ? error
      : new FedLedgerError("INTERNAL", "The coordinator could not process the update", { cause: error });
    if (refusal.code === "INTERNAL") ctx.logger.error({ err: error, participant: sender }, "submission failed");
    else ctx.logger.warn({ participant: sender, code: refusal.code, details: refusal.details }, "update refused");
    ctx.metrics.updatesRefused.inc({ reason: refusal.code });
    try {
      ctx.eventLog.append("submission.refused", { round: declared.round, participant: sender, updateHash: declared.updateHash, reason: refusal.code });
    } catch (error) {
      ctx.logger.error({ err: error, participant: sender }, "could not log a refused submission");
    }
    return { ok: false, error: refusal.toWire() };
  }
}

function logAccepted(ctx: Pick<SubmissionDependencies, "eventLog">, sender: Address, update: Pick<UpdateRow, "round" | "updateHash" | "numSamples">, duplicate: boolean): void {
  ctx.eventLog.append("submission.accepted", { round: update.round, participant: sender, updateHash: update.updateHash, numSamples: update.numSamples, duplicate });
}

/** Same hash and same signature bytes: the resend of one acknowledged update. */
function sameUpdate(stored: Pick<UpdateRow, "updateHash" | "signature">, submission: Pick<SubmitUpdate, "updateHash" | "signature">): boolean {
  return stored.updateHash.toLowerCase() === submission.updateHash.toLowerCase() && stored.signature.toLowerCase() === submission.signature.toLowerCase();
}
