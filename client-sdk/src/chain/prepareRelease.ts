import { type Address, getAddress, type Hex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import type { LedgerDomainParameters } from "../protocol/eip712.ts";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import { approvalMessage, checkReleaseTag, type ReleaseApprovalFile } from "../protocol/releaseApproval.ts";
import { withChainErrors } from "./chainError.ts";
import { isReleaseApprovalBy } from "./isReleaseApprovalBy.ts";
import type { LedgerReader } from "./ledgerClients.ts";

export type PrepareReleaseParameters = {
  round: number;
  tag: string;
  /** SHA-256 of the evaluation report. */
  reportDigest: Hex;
  /** The approvals, each with where it came from (for messages). */
  approvals: readonly { readonly file: ReleaseApprovalFile; readonly source: string }[];
};

/** `recordRelease`'s arguments: the approvals sorted by approver, as the ledger takes them. */
export type PreparedRelease = {
  readonly round: bigint;
  readonly modelHash: Hex;
  readonly tag: string;
  readonly reportDigest: Hex;
  readonly approvals: readonly { readonly approver: Address; readonly signature: Hex }[];
};

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The chain id and round `round`'s recorded model: what a release approval binds. Throws
 * MODEL_NOT_RECORDED for an unrecorded round (or round 0, the genesis model), CHAIN_ERROR.
 */
export async function readReleasableModel(reader: Pick<LedgerReader, "client" | "ledger">, round: number): Promise<{ chainId: number; modelHash: Hex }> {
  const [chainId, record] = await Promise.all([
    withChainErrors("read the chain id", () => reader.client.getChainId()),
    withChainErrors("read roundRecord", () =>
      reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "roundRecord", args: [BigInt(round)] }),
    ),
  ]);
  if (round < 1 || BigInt(record.aggregateModelHash) === 0n) {
    throw new FedLedgerError("MODEL_NOT_RECORDED", `Round ${round} is not recorded on the ledger; only a recorded round's model is released`);
  }
  return { chainId, modelHash: record.aggregateModelHash };
}

/**
 * Checks approval files against the ledger before a release is sent: each is for this
 * chain and ledger, approves exactly this release (the round's recorded model, the tag, the
 * report digest), comes from a distinct approver, and carries that approver's valid
 * signature (ECDSA for an account, ERC-1271 for a contract). Roles and the threshold are the
 * ledger's to check. Throws MODEL_NOT_RECORDED for an unrecorded round, INVALID_CONFIG for
 * an approval of something else, INVALID_SIGNATURE for a forged one, CHAIN_ERROR.
 */
export async function prepareRelease(reader: Pick<LedgerReader, "client" | "ledger">, p: PrepareReleaseParameters): Promise<PreparedRelease> {
  checkReleaseTag(p.tag);
  const { chainId, modelHash } = await readReleasableModel(reader, p.round);
  const domain: LedgerDomainParameters = { chainId, ledger: reader.ledger };
  const seen = new Set<string>();
  const approvals: { approver: Address; signature: Hex }[] = [];
  for (const { file, source } of p.approvals) {
    const mismatch = (
      [
        ["chain id", String(file.chainId), String(chainId)],
        ["ledger", file.ledger, reader.ledger],
        ["round", String(file.round), String(p.round)],
        ["model hash", file.modelHash, modelHash],
        ["tag", file.tag, p.tag],
        ["report digest", file.reportDigest, p.reportDigest],
      ] as const
    ).find(([, got, want]) => (got.startsWith("0x") ? !same(got, want) : got !== want));
    if (mismatch) {
      throw new FedLedgerError("INVALID_CONFIG", `${source} approves another release: its ${mismatch[0]} differs`, {
        details: `approval ${JSON.stringify(mismatch[1])}, this release ${JSON.stringify(mismatch[2])}`,
      });
    }
    const approver = getAddress(file.approver);
    if (seen.has(approver)) throw new FedLedgerError("INVALID_CONFIG", `${source}: ${approver} approves twice`);
    seen.add(approver);
    await checkApprovalSignature(reader, domain, file, approver, source);
    approvals.push({ approver, signature: file.signature });
  }
  approvals.sort((a, b) => (BigInt(a.approver) < BigInt(b.approver) ? -1 : 1));
  return { round: BigInt(p.round), modelHash, tag: p.tag, reportDigest: p.reportDigest, approvals };
}

/** Throws INVALID_SIGNATURE unless the file's signature is `approver`'s approval (see isReleaseApprovalBy). */
async function checkApprovalSignature(reader: Pick<LedgerReader, "client" | "ledger">, domain: LedgerDomainParameters, file: ReleaseApprovalFile, approver: Address, source: string): Promise<void> {
  if (!(await isReleaseApprovalBy(reader, domain, approvalMessage(file), approver, file.signature))) {
    throw new FedLedgerError("INVALID_SIGNATURE", `${source}: the signature is not ${approver}'s approval of this release`, {
      details: `round ${file.round}, tag ${JSON.stringify(file.tag)}, report ${file.reportDigest}`,
    });
  }
}
