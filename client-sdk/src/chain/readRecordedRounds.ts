import { type BlockRange, resolveBlockRange } from "./blockRange.ts";
import type { LedgerReader } from "./ledgerClients.ts";
import { readRoundRecordedEvents, readUpdateRecordedEvents, type RoundRecordedEvent, type UpdateRecordedEvent } from "./ledgerEvents.ts";

/** A recorded round with the updates it recorded, in the order the ledger logged them. */
export type RecordedRound = RoundRecordedEvent & { readonly updates: readonly UpdateRecordedEvent[] };

/**
 * Every round recorded in `range`, ascending, each with its UpdateRecorded events. Throws
 * CHAIN_ERROR, and INVALID_CONFIG for a bad range (resolveBlockRange).
 */
export async function readRecordedRounds(reader: LedgerReader, range: BlockRange = {}): Promise<RecordedRound[]> {
  const resolved = await resolveBlockRange(reader, range);
  const [rounds, updates] = await Promise.all([readRoundRecordedEvents(reader, resolved), readUpdateRecordedEvents(reader, resolved)]);
  const byRound = new Map<bigint, UpdateRecordedEvent[]>();
  for (const update of updates) {
    const list = byRound.get(update.round);
    if (list) list.push(update);
    else byRound.set(update.round, [update]);
  }
  return [...rounds].sort((a, b) => (a.round < b.round ? -1 : a.round > b.round ? 1 : 0)).map((r) => ({ ...r, updates: byRound.get(r.round) ?? [] }));
}
