import type { Address, Hex } from "viem";
import type { FitInstruction } from "@fedledger/client-sdk";
import type { UpdateRow } from "../stores/stateStore.ts";
import { dropUnrecordable } from "./dropUnrecordable.ts";
import type { EngineContext } from "./engineContext.ts";
import { createOpenRound, type OpenRound } from "./openRound.ts";
import { readRegistry } from "./readRegistry.ts";

export type CollectParameters = {
  round: number;
  attempt: number;
  baseModelHash: Hex;
  /** Canonical f32 encoding of the global model (its SHA-256 is `baseModelHash`). */
  model: Uint8Array;
  setOpen: (open: OpenRound | undefined) => void;
  signal?: AbortSignal;
};

/**
 * Flower's "configure" and "fit with a deadline": selects clients among the connected
 * ones that are active on the ledger now (the others are disconnected), sends them the
 * fit instruction, and collects acknowledged updates until every selected client has one
 * or the deadline passes. A round found open in the state store after a restart continues
 * with its selection, deadline and the updates already acknowledged, re-checked first as
 * the ledger will check them (see dropUnrecordable).
 * Returns the acknowledged updates in canonical order, or undefined when too few clients
 * were available to start.
 */
export async function collectUpdates(ctx: EngineContext, p: CollectParameters): Promise<UpdateRow[] | undefined> {
  const { settings, state, logger } = ctx;
  const existing = state.getRound(p.round);
  let open: OpenRound;
  if (existing?.status === "open" && existing.baseModelHash === p.baseModelHash && existing.deadline > ctx.now()) {
    await dropUnrecordable(ctx, p, state.listUpdates(p.round));
    open = createOpenRound({
      round: p.round,
      attempt: existing.attempt,
      baseModelHash: p.baseModelHash,
      deadline: existing.deadline,
      selected: existing.selected,
      // A participant whose update was left out has had its say in this attempt.
      acked: [...state.listUpdates(p.round), ...state.listExcluded(p.round)].map((u) => u.participant),
    });
    logger.info({ round: p.round, acked: open.acked.size, selected: open.selected.size }, "resuming open round");
    logOpened(ctx, open, true);
  } else if (existing?.status === "open" && existing.baseModelHash === p.baseModelHash) {
    // Restarted after the deadline: close with what was acknowledged.
    return state.listUpdates(p.round);
  } else {
    const ready = await ctx.clients.waitForAvailable(settings.minAvailableClients, settings.availabilityTimeoutMs, p.signal);
    if (!ready) return undefined;
    const selected = ctx.strategy.configureFit(p.round, await activeClients(ctx, p.round));
    if (selected.length < settings.minFitClients) return undefined;
    const deadline = ctx.now() + settings.fitTimeoutMs;
    const addresses = selected.map((c) => c.address);
    state.openRound(p.round, p.attempt, p.baseModelHash, deadline, addresses);
    open = createOpenRound({ round: p.round, attempt: p.attempt, baseModelHash: p.baseModelHash, deadline, selected: addresses });
    logger.info({ round: p.round, attempt: p.attempt, selected: addresses.length, deadline: new Date(deadline).toISOString() }, "round configured");
    logOpened(ctx, open, false);
  }
  ctx.metrics.currentRound.set(p.round);
  // Read the selected participants' registry entries now, so submissions need no chain read.
  await readRegistry(ctx, p.round, [...open.selected]);

  const instruction: FitInstruction = {
    round: p.round,
    baseModelHash: p.baseModelHash,
    model: p.model,
    modelSpec: settings.modelSpec,
    trainConfig: roundTrainConfig(settings, p.round),
    dtype: settings.dtype,
    deadline: open.deadline,
  };
  open.instruction = instruction;
  p.setOpen(open);
  const pending = [...open.selected].filter((a) => !open.acked.has(a));
  const delivered = await Promise.all(pending.map((a) => ctx.clients.sendFit(a, instruction).then((ok) => [a, ok] as const)));
  for (const [address, ok] of delivered) if (!ok) logger.warn({ round: p.round, participant: address }, "fit instruction not acknowledged");

  await waitUntil(open, ctx, p.signal);
  open.closed = true;
  p.setOpen(undefined);
  const updates = state.listUpdates(p.round);
  const missing: Address[] = [...open.selected].filter((a) => !updates.some((u) => u.participant === a));
  if (missing.length > 0) logger.info({ round: p.round, missing }, "selected clients without an update at the deadline");
  return updates;
}

/** The training settings of round `round`, as its fit instruction carries them (and its statement records them). */
export function roundTrainConfig(settings: Pick<EngineContext["settings"], "trainConfig">, round: number): Record<string, unknown> {
  return { ...settings.trainConfig, seed: round };
}

/** The connected clients that are active on the ledger now; the others lose their session. */
async function activeClients(ctx: EngineContext, round: number): Promise<{ address: Address }[]> {
  const available = ctx.clients.available();
  const registry = await readRegistry(ctx, round, available);
  const active = available.filter((address) => {
    if (registry.get(address)?.active) return true;
    ctx.clients.disconnect(address);
    ctx.logger.info({ round, participant: address }, "not selected and disconnected: not active on the ledger");
    return false;
  });
  return active.map((address) => ({ address }));
}

function logOpened(ctx: EngineContext, open: OpenRound, resumed: boolean): void {
  ctx.eventLog.append("round.opened", {
    round: open.round,
    attempt: open.attempt,
    baseModelHash: open.baseModelHash,
    deadline: new Date(open.deadline).toISOString(),
    selected: [...open.selected],
    resumed,
  });
}

function waitUntil(open: OpenRound, ctx: EngineContext, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, open.deadline - ctx.now()));
    void open.allIn.then(done);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
