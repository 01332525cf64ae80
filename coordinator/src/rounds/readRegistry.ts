import type { Address } from "viem";
import { withRetry } from "../ledger/withRetry.ts";
import type { EngineContext, RegistryEntry } from "./engineContext.ts";

/**
 * Fresh registry entries of `addresses`, read in parallel. Transient RPC failures are
 * retried with the ledger writer's backoff (the round waits for the chain), never thrown.
 */
export async function readRegistry(
  ctx: Pick<EngineContext, "registryEntry" | "ledger" | "logger">,
  round: number,
  addresses: readonly Address[],
): Promise<Map<Address, RegistryEntry>> {
  const entries = await withRetry(() => Promise.all(addresses.map((a) => ctx.registryEntry(a, { fresh: true }))), {
    ...ctx.ledger.retry,
    onRetry: (attempt, error) =>
      ctx.logger.warn({ round, attempt, err: error instanceof Error ? error.message.split("\n", 1)[0] : String(error) }, "registry read failed; retrying"),
  });
  return new Map(addresses.map((a, i) => [a, entries[i] as RegistryEntry]));
}
