import { join } from "node:path";
import type { Address, Hex } from "viem";
import { auditBundle, type BundleAudit, type Dataset, type LedgerReader } from "@fedledger/client-sdk";
import type { CoordinatorConfig } from "@fedledger/coordinator";
import { exportAudit } from "../../coordinator/src/cli/commands/exportAudit.ts";
import { REPORT_FILES, reportCommand } from "../../coordinator/src/cli/commands/report.ts";

export type DemoProvenance = {
  /** Each recorded round's statement digest, as the ledger's RoundRecorded events record it. */
  statementDigests: Hex[];
  audit: BundleAudit;
  auditBundle: string;
  /** The directory of the model card (model-card.md, .json, .html). */
  report: string;
};

const short = (hash: string) => `${hash.slice(0, 10)}…${hash.slice(-6)}`;

/**
 * The end of `npm start`: exports the audit bundle (`fedledger-operator export-audit`),
 * audits it against the demo's chain (`fedledger audit --bundle`, the same function), and
 * writes the Annex IV model card (`fedledger-operator report`) into `workDir`. Prints a
 * summary; throws, after printing every problem, when the audit does not pass.
 */
export async function proveDemo(p: {
  reader: LedgerReader;
  config: CoordinatorConfig;
  evaluationData: Dataset;
  workDir: string;
  /** `fedledger prove` files to bundle. */
  proofs: readonly { participant: Address; file: string }[];
  say: (line: string) => void;
}): Promise<DemoProvenance> {
  const { reader, say } = p;
  const bundleFile = join(p.workDir, "audit.bundle");
  const exported = await exportAudit({ storeDir: p.config.storage.dir, out: bundleFile, proofs: p.proofs }, reader);
  const audit = await auditBundle({ file: bundleFile, reader, evaluationData: p.evaluationData });
  const { result } = audit;
  say(`\naudit bundle ${bundleFile}: ${exported.rounds} rounds, ${exported.statements} signed statements, the event log, ${exported.releases} release(s), ${exported.proofs} dataset proof(s), ${(exported.bytes / 1e6).toFixed(1)} MB`);
  if (!audit.passed) {
    say(`audit of the bundle against the chain (fedledger audit --bundle): FAILED`);
    for (const problem of audit.problems) say(`  ${problem}`);
    throw new Error(`the audit of the demo's bundle failed: ${audit.problems.length} problem(s), listed above`);
  }
  const signer = result.rounds[0]?.signer?.address;
  say(
    `audit of the bundle against the chain (fedledger audit --bundle): PASSED, ${audit.roundsChecked} rounds checked: ` +
      `aggregates and scores re-derived, statements signed${signer === undefined ? "" : ` by ${short(signer)}`} and anchored on-chain, ` +
      `event log of ${result.eventLog.entries} entries intact`,
  );
  for (const r of result.releases) say(`  release ${r.releaseId} "${r.tag}" (round ${r.round}): ${r.approvers.length} approvals verified (EIP-712 signatures, approver role)`);
  for (const proof of result.proofs) say(`  ${proof.kind} proof of record ${short(proof.recordHash ?? "")} verified against ${short(proof.participant)}'s registered commitment`);
  const statementDigests = result.rounds.map((r) => r.statementDigest);
  say(`  statement digests on-chain: ${result.rounds.map((r) => `${r.round}: ${short(r.statementDigest)}`).join(", ")}`);

  const reportDir = join(p.workDir, "report");
  const report = await reportCommand({ storeDir: p.config.storage.dir, out: reportDir, config: { file: "simulations/demo/runDemo.ts", value: p.config } }, reader);
  say(`Annex IV report (fedledger-operator report): ${join(reportDir, REPORT_FILES.markdown)} (also .json, .html): ${report.rounds} rounds, ${report.participants} participants`);
  return { statementDigests, audit, auditBundle: bundleFile, report: reportDir };
}
