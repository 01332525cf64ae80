import type { LocalAccount } from "viem/accounts";
import type { LedgerReader } from "../../chain/ledgerClients.ts";
import { readReleasableModel } from "../../chain/prepareRelease.ts";
import { writeFileAtomically } from "../../modelFiles/writeFileAtomically.ts";
import { checkReleaseTag, type ReleaseApprovalFile, signReleaseApproval } from "../../protocol/releaseApproval.ts";
import { formatFields } from "../format/formatTable.ts";
import { hashFile } from "../hashFile.ts";

export type ReleaseApproveOptions = {
  round: number;
  tag: string;
  /** The evaluation report file; its SHA-256 is what the approval binds. */
  report: string;
  /** Where to write the approval JSON (default: only printed). */
  out?: string;
};
export type ReleaseApproveDependencies = { reader: LedgerReader; account: LocalAccount };
export type ReleaseApproveResult = { readonly approval: ReleaseApprovalFile; readonly out: string | null };

/**
 * `fedledger release approve`: signs, with the approver's key, the EIP-712 approval of
 * releasing round `round`'s recorded model as `tag` with the report's SHA-256. Nothing is
 * sent: whoever records the release collects the approvals (`fedledger-operator release
 * record`). Throws MODEL_NOT_RECORDED for an unrecorded round, INVALID_CONFIG for a bad tag
 * or an unreadable report, CHAIN_ERROR.
 */
export async function releaseApproveCommand(options: ReleaseApproveOptions, dependencies: ReleaseApproveDependencies): Promise<ReleaseApproveResult> {
  const { reader, account } = dependencies;
  checkReleaseTag(options.tag);
  const { hash: reportDigest } = await hashFile(options.report, "report");
  const { chainId, modelHash } = await readReleasableModel(reader, options.round);
  const approval = await signReleaseApproval(
    account,
    { chainId, ledger: reader.ledger },
    { round: BigInt(options.round), modelHash, tag: options.tag, reportDigest },
  );
  if (options.out !== undefined) await writeFileAtomically(options.out, `${JSON.stringify(approval, null, 2)}\n`);
  return { approval, out: options.out ?? null };
}

export function formatReleaseApprove(result: ReleaseApproveResult): string {
  const { approval } = result;
  if (result.out === null) return JSON.stringify(approval, null, 2);
  return formatFields([
    ["Approved", `round ${approval.round} as ${JSON.stringify(approval.tag)}`],
    ["Model", approval.modelHash],
    ["Report SHA-256", approval.reportDigest],
    ["Approver", approval.approver],
    ["Approval", result.out],
  ]);
}
