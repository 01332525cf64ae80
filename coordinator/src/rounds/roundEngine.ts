import type { Address } from "viem";
import { FedLedgerError, encodeWeights, type Ack, type SubmitReceipt } from "@fedledger/client-sdk";
import { collectUpdates } from "./collectUpdates.ts";
import { dropUnrecordable } from "./dropUnrecordable.ts";
import type { EngineContext } from "./engineContext.ts";
import { finishRound, type FinishedRound } from "./finishRound.ts";
import type { OpenRound } from "./openRound.ts";
import { resumePoint } from "./resumePoint.ts";
import { submitUpdate } from "./submitUpdate.ts";

export type RoundEngineEvents = {
  onRoundRecorded?: (round: FinishedRound) => void;
  onRoundAborted?: (round: number, attempt: number, reason: string) => void;
};

/**
 * The server loop (Flower's Server): configure, fit with a deadline, aggregate,
 * evaluate, record. Below quorum a round attempt is aborted cleanly (nothing recorded)
 * and retried; every wait is bounded.
 */
export function createRoundEngine(ctx: EngineContext, events: RoundEngineEvents = {}) {
  let open: OpenRound | undefined;
  const setOpen = (o: OpenRound | undefined) => {
    open = o;
  };

  async function run(signal?: AbortSignal): Promise<FinishedRound[]> {
    const finished: FinishedRound[] = [];
    let { round, baseModelHash, global } = await resumePoint(ctx);
    ctx.logger.info({ nextRound: round, baseModelHash, target: ctx.settings.rounds }, "round engine starting");
    while (round <= ctx.settings.rounds && !signal?.aborted) {
      const model = encodeWeights(global, ctx.settings.layout, "f32");
      let done: FinishedRound | undefined;
      const previous = ctx.state.getRound(round);
      let attempt = previous?.status === "aborted" ? previous.attempt + 1 : (previous?.attempt ?? 1);
      for (; attempt <= ctx.settings.maxAttemptsPerRound && !signal?.aborted; attempt++) {
        const stored = ctx.state.getRound(round);
        const resumedAggregate = stored?.status === "aggregated" && stored.baseModelHash === baseModelHash;
        const collected = resumedAggregate
          ? ctx.state.listUpdates(round)
          : await collectUpdates(ctx, { round, attempt, baseModelHash, model, setOpen, ...(signal ? { signal } : {}) });
        if (signal?.aborted) break;
        const updates = collected && !resumedAggregate ? await dropUnrecordable(ctx, round, collected) : collected;
        if (!updates || updates.length < ctx.settings.minFitClients) {
          const reason = !updates
            ? `fewer than ${ctx.settings.minAvailableClients} clients available`
            : `quorum not met: ${updates.length} of ${ctx.settings.minFitClients} updates`;
          abort(round, attempt, reason, updates?.length ?? 0);
          continue;
        }
        done = await finishRound(ctx, { round, baseModelHash, global, updates });
        ctx.clients.sendRoundEnd([...new Set([...(stored?.selected ?? []), ...updates.map((u) => u.participant)])], {
          round,
          status: "recorded",
          aggregateModelHash: done.aggregateModelHash,
          accepted: updates.length,
          txHash: done.txHash,
          metrics: done.metrics,
        });
        events.onRoundRecorded?.(done);
        break;
      }
      if (signal?.aborted) break;
      if (!done) {
        throw new FedLedgerError("INTERNAL", `Round ${round} failed ${ctx.settings.maxAttemptsPerRound} times`, {
          details: "not enough clients or updates; check that participants are connected",
        });
      }
      finished.push(done);
      round += 1;
      baseModelHash = done.aggregateModelHash;
      global = done.global;
    }
    return finished;
  }

  function abort(round: number, attempt: number, reason: string, accepted: number) {
    const selected = ctx.state.getRound(round)?.selected ?? [];
    ctx.state.abortRound(round);
    ctx.metrics.rounds.inc({ status: "aborted" });
    ctx.logger.warn({ round, attempt, reason }, "round aborted; nothing recorded");
    ctx.clients.sendRoundEnd(selected, { round, status: "aborted", accepted, reason });
    events.onRoundAborted?.(round, attempt, reason);
  }

  return {
    run,
    /** Handles `round:submit` from an authenticated participant. */
    submit: (sender: Address, payload: unknown): Promise<Ack<SubmitReceipt>> => submitUpdate(ctx, open, sender, payload),
    currentRound: (): number | null => open?.round ?? null,
    /** A participant authenticated: if it is selected and has no update yet, send it the open round. */
    clientReady(address: Address): void {
      if (open?.instruction && !open.closed && open.selected.has(address) && !open.acked.has(address)) {
        void ctx.clients.sendFit(address, open.instruction);
      }
    },
  };
}

export type RoundEngine = ReturnType<typeof createRoundEngine>;
