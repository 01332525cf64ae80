import { type Account, type Hex, stringToBytes } from "viem";
import { z } from "zod";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { type LedgerDomainParameters, MAX_RELEASE_TAG_BYTES, type ReleaseApprovalMessage, releaseApprovalTypedData } from "./eip712.ts";
import { addressSchema, bytes32Schema, describeIssues, hexSchema } from "./messages.ts";

/** The `type` of an approval file (`fedledger release approve` writes one). */
export const RELEASE_APPROVAL_FILE_TYPE = "fedledger.release-approval";

/** Longest signature an approval file may carry, in bytes: a contract approver's ERC-1271 signature may exceed 65. */
export const MAX_APPROVAL_SIGNATURE_BYTES = 4096;

/**
 * One approver's signed approval of a release, as a file the approver hands to whoever
 * records the release: the ledger domain, the `ReleaseApproval` message, the approver and
 * its EIP-712 signature (65 bytes for an account; ERC-1271 bytes for a contract).
 */
export const releaseApprovalFileSchema = z.strictObject({
  type: z.literal(RELEASE_APPROVAL_FILE_TYPE),
  version: z.literal(1),
  chainId: z.int().positive(),
  ledger: addressSchema,
  round: z.int().positive(),
  modelHash: bytes32Schema,
  tag: z.string().min(1).max(MAX_RELEASE_TAG_BYTES),
  reportDigest: bytes32Schema,
  approver: addressSchema,
  signature: hexSchema.refine((s) => s.length > 2 && s.length <= 2 + 2 * MAX_APPROVAL_SIGNATURE_BYTES && s.length % 2 === 0, {
    message: `expected 1 to ${MAX_APPROVAL_SIGNATURE_BYTES} bytes of hex`,
  }),
});
export type ReleaseApprovalFile = z.infer<typeof releaseApprovalFileSchema>;

/** Checks a release tag as the ledger will: 1 to MAX_RELEASE_TAG_BYTES bytes of UTF-8. Throws INVALID_CONFIG. */
export function checkReleaseTag(tag: string): string {
  const bytes = stringToBytes(tag).length;
  if (bytes === 0 || bytes > MAX_RELEASE_TAG_BYTES) {
    throw new FedLedgerError("INVALID_CONFIG", `A release tag is 1 to ${MAX_RELEASE_TAG_BYTES} bytes of UTF-8`, { details: `got ${bytes} bytes` });
  }
  return tag;
}

/** Parses an approval file's JSON. Throws INVALID_CONFIG naming `source` and what is wrong. */
export function parseReleaseApprovalFile(json: unknown, source: string): ReleaseApprovalFile {
  const parsed = releaseApprovalFileSchema.safeParse(json);
  if (!parsed.success) throw new FedLedgerError("INVALID_CONFIG", `${source} is not a release approval`, { details: describeIssues(parsed.error) });
  checkReleaseTag(parsed.data.tag);
  return parsed.data;
}

/** The approval message an approval file signs. */
export function approvalMessage(file: Pick<ReleaseApprovalFile, "round" | "modelHash" | "tag" | "reportDigest">): ReleaseApprovalMessage {
  return { round: BigInt(file.round), modelHash: file.modelHash, tag: file.tag, reportDigest: file.reportDigest };
}

/** Signs `message` with the approver's key (viem's EIP-712 support) and returns the approval file. */
export async function signReleaseApproval(account: Account, domain: LedgerDomainParameters, message: ReleaseApprovalMessage): Promise<ReleaseApprovalFile> {
  if (!account.signTypedData) throw new FedLedgerError("KEY_ERROR", "This account cannot sign typed data");
  checkReleaseTag(message.tag);
  const signature: Hex = await account.signTypedData(releaseApprovalTypedData(domain, message));
  return {
    type: RELEASE_APPROVAL_FILE_TYPE,
    version: 1,
    chainId: domain.chainId,
    ledger: domain.ledger,
    round: Number(message.round),
    modelHash: message.modelHash,
    tag: message.tag,
    reportDigest: message.reportDigest,
    approver: account.address,
    signature,
  };
}
