import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { withChainErrors } from "./chainError.ts";
import type { LedgerReader } from "./ledgerClients.ts";

/** Which blocks a read scans for ledger events. */
export type BlockRange = {
  /** First block to scan (default 0: the whole history; the ledger's deployment block is enough). */
  fromBlock?: bigint;
  /** Last block (default: the latest block when the read starts). Contract views are read at it too. */
  toBlock?: bigint;
  /**
   * Most blocks per `eth_getLogs` request (default: no limit, one request). Public RPC
   * providers cap the range of one request, often at 1 000 to 10 000 blocks.
   */
  maxBlockRange?: bigint;
};

/** A {@link BlockRange} with its bounds fixed. */
export type ResolvedBlockRange = {
  readonly fromBlock: bigint;
  readonly toBlock: bigint;
  readonly maxBlockRange: bigint | undefined;
};

/**
 * Fixes the range: `toBlock` defaults to the latest block, so every request of one read
 * sees the same chain state. Throws INVALID_CONFIG for a negative `fromBlock`, a
 * `maxBlockRange` below 1, or `fromBlock` after `toBlock`; CHAIN_ERROR when the node
 * cannot be asked for its latest block.
 */
export async function resolveBlockRange(reader: LedgerReader, range: BlockRange = {}): Promise<ResolvedBlockRange> {
  const fromBlock = range.fromBlock ?? 0n;
  if (fromBlock < 0n) throw new FedLedgerError("INVALID_CONFIG", "fromBlock must not be negative", { details: `got ${fromBlock}` });
  if (range.maxBlockRange !== undefined && range.maxBlockRange < 1n) {
    throw new FedLedgerError("INVALID_CONFIG", "maxBlockRange must be at least 1", { details: `got ${range.maxBlockRange}` });
  }
  const toBlock = range.toBlock ?? (await withChainErrors("read the latest block number", () => reader.client.getBlockNumber()));
  if (fromBlock > toBlock) {
    throw new FedLedgerError("INVALID_CONFIG", "fromBlock is after toBlock", { details: `fromBlock ${fromBlock}, toBlock ${toBlock}` });
  }
  return { fromBlock, toBlock, maxBlockRange: range.maxBlockRange };
}

/** The consecutive inclusive `[fromBlock, toBlock]` pages that cover `range`, each at most `maxBlockRange` long. */
export function blockPages(range: ResolvedBlockRange): { fromBlock: bigint; toBlock: bigint }[] {
  const size = range.maxBlockRange;
  if (size === undefined) return [{ fromBlock: range.fromBlock, toBlock: range.toBlock }];
  const pages: { fromBlock: bigint; toBlock: bigint }[] = [];
  for (let start = range.fromBlock; start <= range.toBlock; start += size) {
    const end = start + size - 1n;
    pages.push({ fromBlock: start, toBlock: end < range.toBlock ? end : range.toBlock });
  }
  return pages;
}

/** Fetches every page of `range` in order, one request at a time, and concatenates the results. */
export async function collectPages<T>(
  range: ResolvedBlockRange,
  fetchPage: (fromBlock: bigint, toBlock: bigint) => Promise<readonly T[]>,
): Promise<T[]> {
  const items: T[] = [];
  for (const page of blockPages(range)) items.push(...(await fetchPage(page.fromBlock, page.toBlock)));
  return items;
}
