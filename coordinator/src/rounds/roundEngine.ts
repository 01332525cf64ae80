import type { Address, Hex } from "viem";
import { encodeWeights, isErrorCode, type Ack, type FederationFinished, type SubmitReceipt, type Weights } from "@fedledger/client-sdk";
import type { LedgerRefusal } from "../ledger/ledgerRefusal.ts";
import { retryDelay } from "../ledger/withRetry.ts";
import type { UpdateRow } from "../stores/stateStore.ts";
import { abortableDelay } from "./abortableDelay.ts";
import { evaluateModel } from "./checkLoss.ts";
import { collectUpdates } from "./collectUpdates.ts";
import { dropUnrecordable } from "./dropUnrecordable.ts";
import type { EngineContext } from "./engineContext.ts";
import { finishRound, type FinishedRound, type FinishOutcome } from "./finishRound.ts";
import { leaveOutCopies } from "./leaveOutCopies.ts";
import { leaveOutNoGain } from "./leaveOutNoGain.ts";
import { leaveOutNormOutliers } from "./leaveOutNormOutliers.ts";
import { lastGlobalChange, leaveOutReplays } from "./leaveOutReplays.ts";
import type { OpenRound } from "./openRound.ts";
import { resumePoint } from "./resumePoint.ts";
import { submitUpdate } from "./submitUpdate.ts";

/** Longest wait between two attempts of a round. */
export const MAX_RETRY_BACKOFF_MS = 60_000;

export type RoundEngineEvents = {
  onRoundRecorded?: (round: FinishedRound) => void;
  onRoundAborted?: (round: number, attempt: number, reason: string) => void;
  /** The ledger refused a round's record (per update, or the whole round); the engine goes on without halting. */
  onRecordRefused?: (round: number, refusal: LedgerRefusal) => void;
};

type RoundStart = { round: number; baseModelHash: Hex; global: Weights; previousLoss: number | undefined };

/**
 * The server loop (Flower's Server): configure, fit with a deadline, aggregate,
 * evaluate, record. Below quorum a round attempt is aborted cleanly (nothing recorded)
 * and retried after a backoff, for as long as it takes: the engine never gives up on a
 * round while it runs. Every wait is bounded or abortable.
 */
export function createRoundEngine(ctx: EngineContext, events: RoundEngineEvents = {}) {
  let open: OpenRound | undefined;
  const setOpen = (o: OpenRound | undefined) => {
    open = o;
  };
  // The newest recorded round (null before run() or when none is), and the federation's
  // end once its last round is recorded: participants that log in later are told at once.
  let lastRecorded: number | null = null;
  let federationEnd: FederationFinished | undefined;

  async function run(signal?: AbortSignal): Promise<FinishedRound[]> {
    const finished: FinishedRound[] = [];
    const resumed = await resumePoint(ctx);
    // The loss the next round's candidate is judged against (see checkLoss).
    const previousLoss = (await evaluateModel(ctx.strategy, resumed.round - 1, resumed.global))?.loss;
    let next: RoundStart = { ...resumed, previousLoss };
    lastRecorded = resumed.round > 1 ? resumed.round - 1 : null;
    ctx.logger.info({ nextRound: next.round, baseModelHash: next.baseModelHash, target: ctx.settings.rounds, previousLoss }, "round engine starting");
    while (next.round <= ctx.settings.rounds && !signal?.aborted) {
      const done = await runRound(next, signal);
      if (!done) break;
      finished.push(done);
      lastRecorded = done.round;
      next = { round: done.round + 1, baseModelHash: done.aggregateModelHash, global: done.global, previousLoss: done.metrics.loss ?? next.previousLoss };
    }
    if (next.round > ctx.settings.rounds) finish(next.round - 1, next.baseModelHash);
    return finished;
  }

  /** All configured rounds are recorded: says so, and tells every logged-in participant. */
  function finish(lastRound: number, aggregateModelHash: Hex) {
    federationEnd = lastRound > 0 ? { lastRound, aggregateModelHash } : { lastRound };
    ctx.logger.info({ lastRound, rounds: ctx.settings.rounds, finalModelHash: aggregateModelHash }, "training finished: every configured round is recorded");
    ctx.clients.sendFinished(federationEnd);
  }

  /** Attempts round `start.round` until it is recorded; undefined when stopped. */
  async function runRound(start: RoundStart, signal: AbortSignal | undefined): Promise<FinishedRound | undefined> {
    const previous = ctx.state.getRound(start.round);
    let attempt = previous?.status === "aborted" ? previous.attempt + 1 : (previous?.attempt ?? 1);
    for (let aborts = 0; !signal?.aborted; attempt++) {
      const outcome = await attemptRound(start, attempt, signal);
      if (outcome.status === "stopped") return undefined;
      if (outcome.status === "recorded") {
        const { finished, selected } = outcome;
        const leftOut = ctx.state
          .listExcluded(start.round)
          .map((u) => ({ participant: u.participant, code: isErrorCode(u.excluded) ? u.excluded : ("INTERNAL" as const) }));
        ctx.clients.sendRoundEnd([...new Set([...selected, ...finished.scores.keys(), ...leftOut.map((u) => u.participant)])], {
          round: start.round,
          status: "recorded",
          aggregateModelHash: finished.aggregateModelHash,
          accepted: finished.scores.size,
          txHash: finished.txHash,
          metrics: finished.metrics,
          leftOut,
        });
        events.onRoundRecorded?.(finished);
        return finished;
      }
      aborts += 1;
      abort(start.round, attempt, outcome.reason, outcome.accepted, aborts);
      await abortableDelay(retryDelay(aborts, { baseDelayMs: ctx.settings.retryBackoffMs, maxDelayMs: MAX_RETRY_BACKOFF_MS }), signal);
    }
    return undefined;
  }

  async function attemptRound(
    start: RoundStart,
    attempt: number,
    signal: AbortSignal | undefined,
  ): Promise<(FinishOutcome & { status: "aborted" | "stopped" }) | { status: "recorded"; finished: FinishedRound; selected: readonly Address[] }> {
    const { round, baseModelHash } = start;
    const stored = ctx.state.getRound(round);
    // A round whose collection was over before a restart keeps its update set.
    const collected = stored?.baseModelHash === baseModelHash && (stored.status === "closed" || stored.status === "aggregated");
    let updates: UpdateRow[];
    if (collected) {
      updates = await dropUnrecordable(ctx, { round, baseModelHash }, ctx.state.listUpdates(round));
    } else {
      const model = encodeWeights(start.global, ctx.settings.layout, "f32");
      const acked = await collectUpdates(ctx, { round, attempt, baseModelHash, model, setOpen, ...(signal ? { signal } : {}) });
      if (signal?.aborted) return { status: "stopped" };
      if (!acked) return { status: "aborted", reason: `fewer than ${ctx.settings.minAvailableClients} active clients available`, accepted: 0 };
      const recordable = await dropUnrecordable(ctx, { round, baseModelHash }, acked);
      const originals = await leaveOutCopies(ctx, round, recordable);
      const fresh = await leaveOutReplays(ctx, round, originals, await lastGlobalChange(ctx, round, start.global));
      updates = await leaveOutNormOutliers(ctx, round, fresh);
      const utility = ctx.safety.validationGate;
      if (utility) updates = await leaveOutNoGain(ctx, { round, global: start.global, utility }, updates);
      ctx.state.closeRound(round);
    }
    const outcome = await finishRound(ctx, {
      round,
      baseModelHash,
      global: start.global,
      updates,
      previousLoss: start.previousLoss,
      ...(signal ? { signal } : {}),
      ...(events.onRecordRefused ? { onRecordRefused: events.onRecordRefused } : {}),
    });
    return outcome.status === "recorded" ? { ...outcome, selected: ctx.state.getRound(round)?.selected ?? [] } : outcome;
  }

  function abort(round: number, attempt: number, reason: string, accepted: number, aborts: number) {
    const selected = ctx.state.getRound(round)?.selected ?? [];
    ctx.state.abortRound(round);
    ctx.eventLog.append("round.aborted", { round, attempt, reason });
    ctx.metrics.rounds.inc({ status: "aborted" });
    const line = { round, attempt, reason, consecutiveAborts: aborts };
    if (aborts >= ctx.settings.maxAttemptsPerRound) ctx.logger.error(line, "round aborted again; nothing recorded; still retrying");
    else ctx.logger.warn(line, "round aborted; nothing recorded; retrying");
    ctx.clients.sendRoundEnd(selected, { round, status: "aborted", accepted, reason });
    events.onRoundAborted?.(round, attempt, reason);
  }

  return {
    run,
    /** Handles `round:submit` from an authenticated participant. */
    submit: (sender: Address, payload: unknown): Promise<Ack<SubmitReceipt>> => submitUpdate(ctx, open, sender, payload),
    currentRound: (): number | null => open?.round ?? null,
    /** The newest recorded round, also between rounds; null before the engine runs or when none is recorded. */
    lastRecordedRound: (): number | null => lastRecorded,
    /** A participant authenticated: if it is selected and has no update yet, send it the open round; after the last round, say so. */
    clientReady(address: Address): void {
      if (federationEnd) {
        ctx.clients.sendFinished(federationEnd, [address]);
        return;
      }
      if (open?.instruction && !open.closed && open.selected.has(address) && !open.acked.has(address)) {
        void ctx.clients.sendFit(address, open.instruction);
      }
    },
  };
}

export type RoundEngine = ReturnType<typeof createRoundEngine>;
