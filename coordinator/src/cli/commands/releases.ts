import { readFile } from "node:fs/promises";
import { isAddressEqual, parseEventLogs } from "viem";
import { contributionLedgerAbi, FedLedgerError, hashFile, parseReleaseApprovalFile, prepareRelease, type ReleaseApprovalFile } from "@fedledger/client-sdk";
import type { LedgerTarget } from "../operatorContext.ts";
import { sendLedgerTransaction } from "./ledgerTransaction.ts";

export type RecordReleaseParameters = { round: number; tag: string; report: string; approvalFiles: readonly string[] };

async function readApproval(file: string): Promise<{ file: ReleaseApprovalFile; source: string }> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8")) as unknown;
  } catch (cause) {
    throw new FedLedgerError("INVALID_CONFIG", `Cannot read the approval ${file}`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  return { file: parseReleaseApprovalFile(json, file), source: file };
}

/**
 * Records a model release from approval files (`fedledger release approve`): checks each
 * against the ledger and the report first (prepareRelease), then sends `recordRelease`,
 * which checks the roles and the threshold. Any key may send it: the approvals are the
 * authority. Returns the new release id.
 */
export async function recordRelease(t: LedgerTarget, p: RecordReleaseParameters) {
  if (p.approvalFiles.length === 0) throw new FedLedgerError("INVALID_CONFIG", "Give the approvals: --approval FILE, once per approver");
  const { hash: reportDigest } = await hashFile(p.report, "report");
  const approvals = await Promise.all(p.approvalFiles.map(readApproval));
  const prepared = await prepareRelease({ client: t.publicClient, ledger: t.ledger }, { round: p.round, tag: p.tag, reportDigest, approvals });
  const sent = await sendLedgerTransaction(t, "recordRelease", [prepared.round, prepared.tag, prepared.reportDigest, prepared.approvals]);
  const receipt = await t.publicClient.getTransactionReceipt({ hash: sent.txHash });
  const [recorded] = parseEventLogs({
    abi: contributionLedgerAbi,
    eventName: "ReleaseRecorded",
    logs: receipt.logs.filter((log) => isAddressEqual(log.address, t.ledger)),
    strict: true,
  });
  if (recorded === undefined) throw new FedLedgerError("CHAIN_ERROR", "The release transaction logged no ReleaseRecorded event", { details: sent.txHash });
  return {
    ...sent,
    releaseId: recorded.args.releaseId,
    round: prepared.round,
    modelHash: prepared.modelHash,
    tag: prepared.tag,
    reportDigest,
    approvers: recorded.args.approvers,
  };
}

/** Marks a release deprecated (the operator key must hold the approver role). */
export const deprecateRelease = (t: LedgerTarget, releaseId: bigint, reason: string) => sendLedgerTransaction(t, "deprecateRelease", [releaseId, reason]);

/** Makes the earlier, non-deprecated release `toReleaseId` current again (approver role). */
export const rollbackRelease = (t: LedgerTarget, toReleaseId: bigint, reason: string) => sendLedgerTransaction(t, "rollbackRelease", [toReleaseId, reason]);
