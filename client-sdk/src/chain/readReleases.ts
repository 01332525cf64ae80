import type { Address, Hex } from "viem";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import { type BlockRange, collectPages, resolveBlockRange } from "./blockRange.ts";
import { withChainErrors } from "./chainError.ts";
import type { EventLocation } from "./ledgerEvents.ts";
import type { LedgerReader } from "./ledgerClients.ts";

/** An approver's deprecation of a release (`ReleaseDeprecated`). */
export type ReleaseDeprecation = EventLocation & { readonly approver: Address; readonly reason: string };

/** A rollback away from a release, to the earlier `toReleaseId` (`ReleaseRolledBack`). */
export type ReleaseRollback = EventLocation & { readonly toReleaseId: bigint; readonly approver: Address; readonly reason: string };

/**
 * - `current`: the ledger's current release;
 * - `deprecated`: an approver deprecated it (it may still be current until a rollback);
 * - `rolled-back`: it was current and an approver rolled back to an earlier release;
 * - `superseded`: a later release replaced it.
 */
export type ReleaseStatus = "current" | "deprecated" | "rolled-back" | "superseded";

/** One recorded model release, from its `ReleaseRecorded` event and what followed it. */
export type Release = EventLocation & {
  readonly releaseId: bigint;
  readonly round: bigint;
  readonly modelHash: Hex;
  readonly tag: string;
  /** SHA-256 of the evaluation report the approvers signed. */
  readonly reportDigest: Hex;
  /** The approvers whose EIP-712 approvals the ledger verified, ascending. */
  readonly approvers: readonly Address[];
  readonly current: boolean;
  readonly deprecation: ReleaseDeprecation | null;
  /** Rollbacks away from this release, in chain order. */
  readonly rollbacks: readonly ReleaseRollback[];
  readonly status: ReleaseStatus;
};

export type LedgerReleases = {
  /** Approvals a release needs now. */
  readonly threshold: bigint;
  /** The current release's id; 0 before any release. */
  readonly currentReleaseId: bigint;
  /** Every release in the scanned range, by id. */
  readonly releases: readonly Release[];
  /** The block the state was read at (the range's last block). */
  readonly blockNumber: bigint;
};

function location(log: EventLocation): EventLocation {
  return { blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.logIndex };
}

function statusOf(current: boolean, deprecated: boolean, rolledBack: boolean): ReleaseStatus {
  if (deprecated) return "deprecated";
  if (current) return "current";
  return rolledBack ? "rolled-back" : "superseded";
}

/**
 * Every model release recorded in `range` (from block 0 by default) with its deprecation
 * and rollbacks, and the ledger's current release and threshold at the range's last block.
 * Throws CHAIN_ERROR, and INVALID_CONFIG for a bad range.
 */
export async function readReleases(reader: LedgerReader, range: BlockRange = {}): Promise<LedgerReleases> {
  const resolved = await resolveBlockRange(reader, range);
  const read = (functionName: "releaseThreshold" | "currentReleaseId") =>
    withChainErrors(`read ${functionName}`, () =>
      reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName, blockNumber: resolved.toBlock }),
    );
  const events = (fromBlock: bigint, toBlock: bigint) =>
    withChainErrors("read release events", async () => {
      const common = { address: reader.ledger, abi: contributionLedgerAbi, fromBlock, toBlock, strict: true } as const;
      const [recorded, deprecated, rolledBack] = await Promise.all([
        reader.client.getContractEvents({ ...common, eventName: "ReleaseRecorded" }),
        reader.client.getContractEvents({ ...common, eventName: "ReleaseDeprecated" }),
        reader.client.getContractEvents({ ...common, eventName: "ReleaseRolledBack" }),
      ]);
      return [{ recorded, deprecated, rolledBack }];
    });
  const [threshold, currentReleaseId, pages] = await Promise.all([read("releaseThreshold"), read("currentReleaseId"), collectPages(resolved, events)]);

  const deprecations = new Map<bigint, ReleaseDeprecation>();
  const rollbacks = new Map<bigint, ReleaseRollback[]>();
  for (const page of pages) {
    for (const log of page.deprecated) deprecations.set(log.args.releaseId, { ...location(log), approver: log.args.approver, reason: log.args.reason });
    for (const log of page.rolledBack) {
      const rollback = { ...location(log), toReleaseId: log.args.toReleaseId, approver: log.args.approver, reason: log.args.reason };
      rollbacks.set(log.args.fromReleaseId, [...(rollbacks.get(log.args.fromReleaseId) ?? []), rollback]);
    }
  }
  const releases = pages
    .flatMap((page) => page.recorded)
    .map((log): Release => {
      const id = log.args.releaseId;
      const deprecation = deprecations.get(id) ?? null;
      const away = rollbacks.get(id) ?? [];
      const current = id === currentReleaseId;
      return {
        ...location(log),
        releaseId: id,
        round: log.args.round,
        modelHash: log.args.modelHash,
        tag: log.args.tag,
        reportDigest: log.args.reportDigest,
        approvers: log.args.approvers,
        current,
        deprecation,
        rollbacks: away,
        status: statusOf(current, deprecation !== null, away.length > 0),
      };
    })
    .sort((a, b) => (a.releaseId < b.releaseId ? -1 : 1));
  return { threshold, currentReleaseId, releases, blockNumber: resolved.toBlock };
}

/** The releases of the model whose hash is `modelHash`, by id. */
export function releasesOfModel(releases: readonly Release[], modelHash: Hex): Release[] {
  return releases.filter((r) => r.modelHash.toLowerCase() === modelHash.toLowerCase());
}
