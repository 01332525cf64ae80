import type { Hex } from "viem";
import { contentHash, contributionLedgerAbi, decodeWeights, encodeWeights, FedLedgerError, type Weights } from "@fedledger/client-sdk";
import type { EngineContext } from "./engineContext.ts";

/**
 * Where to (re)start: the chain is the truth. The next round is the ledger's latest plus
 * one, its base is the ledger's head hash, and the global model is the genesis model or
 * the checkpoint stored under the head hash.
 */
export async function resumePoint(ctx: EngineContext): Promise<{ round: number; baseModelHash: Hex; global: Weights }> {
  const read = <F extends "latestRound" | "headModelHash" | "genesisModelHash">(functionName: F) =>
    ctx.publicClient.readContract({ address: ctx.ledgerAddress, abi: contributionLedgerAbi, functionName });
  const [latest, head, genesis] = await Promise.all([read("latestRound"), read("headModelHash"), read("genesisModelHash")]);
  const initial = await ctx.strategy.initializeParameters();
  const initialEncoded = encodeWeights(initial, ctx.settings.layout, "f32");
  const initialHash = await contentHash(initialEncoded);
  if (initialHash !== genesis) {
    throw new FedLedgerError("INVALID_CONFIG", "The initial model does not match the ledger's genesis hash", {
      details: `strategy ${initialHash}, ledger ${genesis}`,
    });
  }
  await ctx.content.put(initialEncoded);
  if (head === genesis) return { round: Number(latest) + 1, baseModelHash: head, global: initial };
  if (!(await ctx.content.has(head))) {
    throw new FedLedgerError("INTERNAL", "The checkpoint of the ledger's head model is not in the content store", {
      details: `head ${head} (round ${latest})`,
    });
  }
  const global = decodeWeights(await ctx.content.get(head), ctx.settings.layout).weights;
  return { round: Number(latest) + 1, baseModelHash: head, global };
}
