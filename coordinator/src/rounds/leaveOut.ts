import type { Address } from "viem";
import type { ErrorCode } from "@fedledger/client-sdk";
import type { UpdateSource } from "../strategies/Strategy.ts";
import type { EngineContext } from "./engineContext.ts";

export type LeaveOutContext = Pick<EngineContext, "state" | "logger" | "metrics">;

/** What the safety net's round filters read: their settings, the stored updates, and where they leave updates out. */
export type RoundFilterContext = LeaveOutContext & Pick<EngineContext, "safety"> & { updates: UpdateSource };

/**
 * Leaves one acknowledged update out of a round: excluded in the state store with its
 * code (so a restart keeps it out, and the participant is told at round end), counted in
 * `updates_refused_total`, and logged with `fields`.
 */
export function leaveOut(ctx: LeaveOutContext, round: number, participant: Address, code: ErrorCode, message: string, fields: Record<string, unknown> = {}): void {
  ctx.state.excludeUpdate(round, participant, code);
  ctx.metrics.updatesRefused.inc({ reason: code });
  ctx.logger.warn({ round, participant, reason: code, ...fields }, message);
}
