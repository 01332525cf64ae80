import { type Address, type Hex, isHex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import { type BlockRange, resolveBlockRange } from "./blockRange.ts";
import { withChainErrors } from "./chainError.ts";
import type { LedgerReader } from "./ledgerClients.ts";
import { readRoundRecordedEvents, readUpdateRecordedEvents, type RoundRecordedEvent } from "./ledgerEvents.ts";

/** One recorded round on a model's lineage. */
export type LineageStep = {
  readonly round: bigint;
  readonly baseModelHash: Hex;
  readonly aggregateModelHash: Hex;
  /** SHA-256 of the round's signed statement, as recorded with the round. */
  readonly statementDigest: Hex;
  /** The participants whose updates the round accepted, in submission (ascending address) order. */
  readonly participants: readonly Address[];
  readonly blockNumber: bigint;
  readonly transactionHash: Hex;
};

/**
 * Where a model hash sits on the ledger:
 * - `genesis`: it is the ledger's genesis model;
 * - `recorded`: round `round` produced it; `steps` walks back from that round to round 1,
 *   whose base is the genesis model (each step's base is the next step's aggregate);
 * - `unrecorded`: no round in the scanned range produced it.
 */
export type ModelLineage =
  | { readonly kind: "genesis"; readonly modelHash: Hex; readonly genesisModelHash: Hex }
  | {
      readonly kind: "recorded";
      readonly modelHash: Hex;
      readonly genesisModelHash: Hex;
      readonly round: bigint;
      readonly steps: readonly LineageStep[];
    }
  | { readonly kind: "unrecorded"; readonly modelHash: Hex; readonly genesisModelHash: Hex };

/** Lineage rounds whose participants are fetched at once. */
const PARTICIPANT_FETCH_CONCURRENCY = 8;

function sameHash(a: Hex, b: Hex): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The on-chain lineage of the model whose content hash (SHA-256 of its canonical encoding)
 * is `modelHash`: the earliest round whose aggregate is that hash, then back through base
 * hashes to `genesisModelHash()`. Rounds are found from `RoundRecorded` events in `range`
 * (from block 0 by default), participants from each round's `UpdateRecorded` events.
 *
 * Throws INVALID_CONFIG when `modelHash` is not 32 bytes of hex, and CHAIN_ERROR when a
 * request fails or the events are incomplete (a round of the lineage lies before `fromBlock`).
 */
export async function readLineage(reader: LedgerReader, modelHash: Hex, range: BlockRange = {}): Promise<ModelLineage> {
  if (!isHex(modelHash) || modelHash.length !== 66) {
    throw new FedLedgerError("INVALID_CONFIG", "A model hash must be 32 bytes of 0x-prefixed hex", {
      details: `got ${JSON.stringify(String(modelHash).slice(0, 80))}`,
    });
  }
  const hash = modelHash.toLowerCase() as Hex;
  const resolved = await resolveBlockRange(reader, range);
  const genesisModelHash = await withChainErrors("read genesisModelHash", () =>
    reader.client.readContract({
      address: reader.ledger,
      abi: contributionLedgerAbi,
      functionName: "genesisModelHash",
      blockNumber: resolved.toBlock,
    }),
  );
  if (sameHash(hash, genesisModelHash)) return { kind: "genesis", modelHash: hash, genesisModelHash };

  const rounds = await readRoundRecordedEvents(reader, resolved);
  const byRound = new Map<bigint, RoundRecordedEvent>(rounds.map((r) => [r.round, r]));
  let current = rounds.filter((r) => sameHash(r.aggregateModelHash, hash)).sort((a, b) => (a.round < b.round ? -1 : 1))[0];
  if (current === undefined) return { kind: "unrecorded", modelHash: hash, genesisModelHash };

  const path: RoundRecordedEvent[] = [current];
  while (current.round > 1n) {
    const previous = byRound.get(current.round - 1n);
    if (previous === undefined) {
      throw new FedLedgerError("CHAIN_ERROR", `Round ${current.round - 1n} of the lineage is not in the scanned blocks`, {
        details: `scanned blocks ${resolved.fromBlock} to ${resolved.toBlock}: start earlier (fromBlock)`,
      });
    }
    if (!sameHash(previous.aggregateModelHash, current.baseModelHash)) {
      throw new FedLedgerError("CHAIN_ERROR", `The lineage is broken between rounds ${previous.round} and ${current.round}`, {
        details: `round ${previous.round} aggregate ${previous.aggregateModelHash}, round ${current.round} base ${current.baseModelHash}`,
      });
    }
    path.push(previous);
    current = previous;
  }
  if (!sameHash(current.baseModelHash, genesisModelHash)) {
    throw new FedLedgerError("CHAIN_ERROR", "Round 1's base model is not the genesis model", {
      details: `base ${current.baseModelHash}, genesis ${genesisModelHash}`,
    });
  }

  const steps: LineageStep[] = [];
  for (let i = 0; i < path.length; i += PARTICIPANT_FETCH_CONCURRENCY) {
    const batch = path.slice(i, i + PARTICIPANT_FETCH_CONCURRENCY);
    steps.push(
      ...(await Promise.all(
        batch.map(async (r): Promise<LineageStep> => {
          // A round's UpdateRecorded events are logged by the same transaction as its RoundRecorded.
          const block = { fromBlock: r.blockNumber, toBlock: r.blockNumber, maxBlockRange: undefined };
          const updates = await readUpdateRecordedEvents(reader, block, { round: r.round });
          return {
            round: r.round,
            baseModelHash: r.baseModelHash,
            aggregateModelHash: r.aggregateModelHash,
            statementDigest: r.statementDigest,
            participants: updates.filter((u) => u.transactionHash === r.transactionHash).map((u) => u.participant),
            blockNumber: r.blockNumber,
            transactionHash: r.transactionHash,
          };
        }),
      )),
    );
  }
  return { kind: "recorded", modelHash: hash, genesisModelHash, round: path[0]?.round ?? 0n, steps };
}
