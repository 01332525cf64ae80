import type { Address, Hex } from "viem";
import { FedLedgerError, type Weights } from "@fedledger/client-sdk";
import type { FitResult } from "../strategies/Strategy.ts";
import type { EngineContext } from "./engineContext.ts";

/** Scores are uint64 on-chain; the ledger reverts without a reason above. */
const MAX_SCORE = 2n ** 64n - 1n;

/**
 * The scorer's scores for `results`, checked as the ledger will: each in [0, 2^64), and
 * an exact (bigint) total above zero. Undefined when every score is zero: the ledger
 * refuses such a round (LedgerZeroTotalScore), so it is not sent.
 */
export async function scoreRound(
  ctx: Pick<EngineContext, "scorer" | "updates">,
  p: { round: number; baseModelHash: Hex; global: Weights; aggregate: Weights; results: readonly FitResult[] },
): Promise<Map<Address, bigint> | undefined> {
  const list = await ctx.scorer.score({ ...p, source: ctx.updates });
  let total = 0n;
  const scores = new Map<Address, bigint>();
  p.results.forEach((r, i) => {
    const score = list[i];
    if (typeof score !== "bigint" || score < 0n || score > MAX_SCORE) {
      throw new FedLedgerError("INTERNAL", `Scorer ${ctx.scorer.name} gave a score outside uint64`, { details: `${r.participant}: ${String(score)}` });
    }
    total += score;
    scores.set(r.participant, score);
  });
  return total > 0n ? scores : undefined;
}
