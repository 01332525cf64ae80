import { type BlockRange, type LedgerReader, readReleases } from "@fedledger/client-sdk";
import { eventEvidence as eventOf, type ReleasesSection } from "./modelCard.ts";

/** The ledger's model releases, their approvers, deprecations and rollbacks, each with the transaction that recorded it. */
export async function readReleaseEntries(reader: LedgerReader, range: BlockRange & { toBlock: bigint }): Promise<ReleasesSection> {
  const { threshold, currentReleaseId, releases } = await readReleases(reader, range);
  return {
    threshold: threshold.toString(),
    currentReleaseId: currentReleaseId === 0n ? null : currentReleaseId.toString(),
    evidence: { kind: "view", call: "currentReleaseId(), releaseThreshold()", blockNumber: range.toBlock.toString() },
    items: releases.map((r) => ({
      releaseId: r.releaseId.toString(),
      round: Number(r.round),
      modelHash: r.modelHash,
      tag: r.tag,
      reportDigest: r.reportDigest,
      approvers: r.approvers,
      status: r.status,
      evidence: eventOf("ReleaseRecorded", r),
      deprecation: r.deprecation === null ? null : { approver: r.deprecation.approver, reason: r.deprecation.reason, evidence: eventOf("ReleaseDeprecated", r.deprecation) },
      rollbacks: r.rollbacks.map((b) => ({ toReleaseId: b.toReleaseId.toString(), approver: b.approver, reason: b.reason, evidence: eventOf("ReleaseRolledBack", b) })),
    })),
  };
}
