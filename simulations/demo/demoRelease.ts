import { writeFileSync } from "node:fs";
import { type Account, type Address, type Chain, type Hex, keccak256, type PublicClient, toHex, type Transport, type WalletClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { contributionLedgerAbi, hashFile, type LedgerReader, prepareRelease, signReleaseApproval } from "@fedledger/client-sdk";

/** The release board: three approvers, two of whom must approve a release (k = 2 of n = 3). */
const APPROVERS = 3;
const THRESHOLD = 2;

export type DemoRelease = { releaseId: bigint; round: number; tag: string; reportDigest: Hex; approvers: Address[]; boardSize: number; txHash: Hex };

/**
 * Releases the final round's model as the demo's operator would: the admin gives the
 * approver role to a three-member board and requires two approvals; two members sign the
 * EIP-712 approval of the round's model, its tag and the digest of the evaluation report
 * (`reportFile`, written here), and the operator records the release on the ledger.
 */
export async function releaseFinalModel(p: {
  reader: LedgerReader;
  operator: WalletClient<Transport, Chain, Account>;
  publicClient: PublicClient;
  chainId: number;
  round: number;
  metrics: Record<string, number>;
  reportFile: string;
}): Promise<DemoRelease> {
  const { reader, operator, publicClient } = p;
  const send = async (hash: Hex) => void (await publicClient.waitForTransactionReceipt({ hash }));
  const ledger = { address: reader.ledger, abi: contributionLedgerAbi } as const;
  const board = Array.from({ length: APPROVERS }, (_, i) => privateKeyToAccount(keccak256(toHex(`fedledger demo release approver ${i + 1}`))));
  const role = await publicClient.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "APPROVER_ROLE" });
  for (const member of board) await send(await operator.writeContract({ ...ledger, functionName: "grantRole", args: [role, member.address] }));
  await send(await operator.writeContract({ ...ledger, functionName: "setReleaseThreshold", args: [THRESHOLD] }));

  writeFileSync(p.reportFile, `${JSON.stringify({ round: p.round, evaluation: "held-out split of the mnist digits", metrics: p.metrics }, null, 2)}\n`);
  const { hash: reportDigest } = await hashFile(p.reportFile, "evaluation report");
  const { aggregateModelHash: modelHash } = await publicClient.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "roundRecord", args: [BigInt(p.round)] });
  const tag = `mnist-mlp-v${p.round}`;
  const message = { round: BigInt(p.round), modelHash, tag, reportDigest };
  const approvals = await Promise.all(
    board.slice(0, THRESHOLD).map(async (member, i) => ({ file: await signReleaseApproval(member, { chainId: p.chainId, ledger: reader.ledger }, message), source: `approver ${i + 1}` })),
  );
  const prepared = await prepareRelease(reader, { round: p.round, tag, reportDigest, approvals });
  const txHash = await operator.writeContract({ ...ledger, functionName: "recordRelease", args: [prepared.round, prepared.tag, prepared.reportDigest, prepared.approvals] });
  await send(txHash);
  const releaseId = await publicClient.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "currentReleaseId" });
  return { releaseId, round: p.round, tag, reportDigest, approvers: prepared.approvals.map((a) => a.approver), boardSize: APPROVERS, txHash };
}
