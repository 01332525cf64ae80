import { type Address, decodeFunctionData, type Hex, isAddressEqual } from "viem";
import type { BlockRange } from "../chain/blockRange.ts";
import { withChainErrors } from "../chain/chainError.ts";
import { isReleaseApprovalBy } from "../chain/isReleaseApprovalBy.ts";
import type { LedgerReader } from "../chain/ledgerClients.ts";
import type { RecordedRound } from "../chain/readRecordedRounds.ts";
import { type Release, readReleases, type ReleaseStatus } from "../chain/readReleases.ts";
import type { LedgerDomainParameters } from "../protocol/eip712.ts";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import { type AuditCheck, checked } from "./auditRound.ts";

/** One approval of a release: the approver and its EIP-712 `ReleaseApproval` signature. */
export type ReleaseApprovalEvidence = { readonly approver: Address; readonly signature: Hex };

/** A release's audit: the released model against its round, and its approvals. */
export type ReleaseAudit = {
  readonly releaseId: bigint;
  readonly round: number;
  readonly tag: string;
  readonly modelHash: Hex;
  /** The approvers the ledger lists (ReleaseRecorded). */
  readonly approvers: readonly Address[];
  readonly status: ReleaseStatus;
  readonly transactionHash: Hex;
  readonly blockNumber: bigint;
  /** Where the approvals' signatures came from: the bundle, or the recording transaction's calldata; null when from neither. */
  readonly approvalsFrom: "bundle" | "transaction" | null;
  /** The released model is the aggregate the ledger records for its round. */
  readonly model: AuditCheck;
  /** The approvals are by exactly the approvers listed, each signature is that approver's over this release, and each held APPROVER_ROLE at the release's block. */
  readonly approvals: AuditCheck;
};

export type AuditReleasesParameters = {
  reader: LedgerReader;
  chainId: number;
  /** The recorded rounds already read (the release's round is read from the ledger when it is not among them). */
  rounds: readonly RecordedRound[];
  /** Approvals a bundle carries, by release id; a release without an entry is checked against its transaction's calldata. */
  bundled?: ReadonlyMap<bigint, readonly ReleaseApprovalEvidence[]>;
  range?: BlockRange;
};

const failed = (status: "mismatch" | "error", code: Exclude<AuditCheck, { status: "ok" }>["code"], message: string): AuditCheck => ({ status, code, message });


/**
 * The approvals the transaction that recorded `release` passed, when it called
 * `recordRelease` on the ledger directly; undefined otherwise (a multisig's call is not
 * decoded). Throws CHAIN_ERROR.
 */
export async function readReleaseApprovals(reader: LedgerReader, release: Pick<Release, "transactionHash" | "round" | "tag">): Promise<readonly ReleaseApprovalEvidence[] | undefined> {
  const tx = await withChainErrors("read a release's transaction", () => reader.client.getTransaction({ hash: release.transactionHash }));
  if (tx.to == null || !isAddressEqual(tx.to, reader.ledger)) return undefined;
  try {
    const call = decodeFunctionData({ abi: contributionLedgerAbi, data: tx.input });
    if (call.functionName !== "recordRelease" || call.args[0] !== release.round || call.args[1] !== release.tag) return undefined;
    return call.args[3];
  } catch {
    return undefined;
  }
}

async function checkModel(reader: LedgerReader, release: Release, rounds: readonly RecordedRound[]): Promise<AuditCheck> {
  const known = rounds.find((r) => r.round === release.round);
  const aggregate =
    known?.aggregateModelHash ??
    (await withChainErrors("read roundRecord", () =>
      reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "roundRecord", args: [release.round] }),
    )).aggregateModelHash;
  if (aggregate.toLowerCase() === release.modelHash.toLowerCase()) return { status: "ok" };
  return failed("mismatch", "AUDIT_MISMATCH", `release ${release.releaseId} names model ${release.modelHash}, but round ${release.round}'s recorded aggregate is ${aggregate}`);
}

async function checkApprovals(reader: LedgerReader, domain: LedgerDomainParameters, release: Release, approvals: readonly ReleaseApprovalEvidence[], role: Hex): Promise<AuditCheck> {
  const key = (a: Address) => a.toLowerCase();
  const given = approvals.map((a) => key(a.approver)).sort();
  const listed = release.approvers.map(key).sort();
  if (given.length !== listed.length || given.some((a, i) => a !== listed[i])) {
    return failed("mismatch", "AUDIT_MISMATCH", `release ${release.releaseId}'s approvals are by ${given.join(", ") || "nobody"}, but the ledger lists ${listed.join(", ")}`);
  }
  const message = { round: release.round, modelHash: release.modelHash, tag: release.tag, reportDigest: release.reportDigest };
  for (const approval of approvals) {
    if (!(await isReleaseApprovalBy(reader, domain, message, approval.approver, approval.signature, release.blockNumber))) {
      return failed("error", "INVALID_SIGNATURE", `release ${release.releaseId}: the approval signature is not ${approval.approver}'s over round ${release.round}, tag ${JSON.stringify(release.tag)}, report ${release.reportDigest}`);
    }
    const hasRole = (blockNumber?: bigint) =>
      reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "hasRole", args: [role, approval.approver], ...(blockNumber === undefined ? {} : { blockNumber }) });
    let held: boolean;
    let when = `at block ${release.blockNumber}`;
    try {
      held = await hasRole(release.blockNumber);
    } catch {
      held = await withChainErrors("read hasRole", () => hasRole());
      when = `at the latest block (the node keeps no state of block ${release.blockNumber})`;
    }
    if (!held) return failed("error", "MISSING_ROLE", `release ${release.releaseId}: approver ${approval.approver} lacks APPROVER_ROLE ${when}`);
  }
  return { status: "ok" };
}

/**
 * Every model release the ledger records in `range` (ReleaseRecorded), checked: its model is
 * the recorded aggregate of its round, and its approvals (from the bundle, else from the
 * recording transaction) are EIP-712 `ReleaseApproval` signatures by exactly the approvers
 * the ledger lists, each of whom held APPROVER_ROLE then. Each check says what failed.
 * Throws CHAIN_ERROR when the ledger cannot be read.
 */
export async function auditReleases(p: AuditReleasesParameters): Promise<ReleaseAudit[]> {
  const { reader } = p;
  const { releases } = await readReleases(reader, p.range);
  if (releases.length === 0) return [];
  const role = await withChainErrors("read APPROVER_ROLE", () => reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "APPROVER_ROLE" }));
  const domain: LedgerDomainParameters = { chainId: p.chainId, ledger: reader.ledger };
  const audits: ReleaseAudit[] = [];
  for (const release of releases) {
    const fromBundle = p.bundled?.get(release.releaseId);
    const approvals = fromBundle ?? (await readReleaseApprovals(reader, release));
    const approvalsFrom = fromBundle !== undefined ? "bundle" : approvals !== undefined ? "transaction" : null;
    audits.push({
      releaseId: release.releaseId,
      round: Number(release.round),
      tag: release.tag,
      modelHash: release.modelHash,
      approvers: release.approvers,
      status: release.status,
      transactionHash: release.transactionHash,
      blockNumber: release.blockNumber,
      approvalsFrom,
      model: await checked(() => checkModel(reader, release, p.rounds)),
      approvals:
        approvals === undefined
          ? failed("error", "OBJECT_NOT_FOUND", `release ${release.releaseId}: the bundle carries no approvals for it and its transaction is not a direct recordRelease call`)
          : await checked(() => checkApprovals(reader, domain, release, approvals, role)),
    });
  }
  return audits;
}
