// `npm start` cut down to one round of two institutions: the demo ends with a release, the
// audit bundle audited against its own chain, and the Annex IV report, and its --summary
// names them. (Tampering with a bundle is tested in test/sdk/provenance.e2e.test.ts.)
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { decodeAuditBundle, verifyStatementEnvelope } from "@fedledger/client-sdk";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** Runs `npm start -- ARGS` as the npm script does, without its build step. */
function demo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=source", "simulations/demo.ts", ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

type Summary = {
  recordedRounds: number;
  statementDigests: `0x${string}`[];
  audit: { passed: boolean; roundsChecked: number };
  release: { releaseId: string; round: number; tag: string; approvers: string[] };
  auditBundle: string;
  report: string;
};

describe("npm start (one round, two institutions)", () => {
  const out = mkdtempSync(join(tmpdir(), "fedledger-demo-test-"));
  let kept: string | undefined;
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
    if (kept) rmSync(kept, { recursive: true, force: true });
  });

  it("releases the model, audits its bundle against its chain, writes the report, and summarizes them", { timeout: 120_000 }, async () => {
    const file = join(out, "summary.json");
    const run = await demo(["--rounds", "1", "--clients", "2", "--keep", "--summary", file]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(file, "utf8")) as Summary;
    kept = dirname(summary.auditBundle);

    expect(summary).toMatchObject({ recordedRounds: 1, audit: { passed: true, roundsChecked: 1 }, release: { releaseId: "1", round: 1, tag: "mnist-mlp-v1" } });
    expect(summary.release.approvers).toHaveLength(2);
    expect(summary.statementDigests).toEqual([expect.stringMatching(/^0x[0-9a-f]{64}$/)]);
    expect(run.stdout).toContain("(fedledger audit --bundle): PASSED, 1 rounds checked");
    expect(run.stdout).toContain(`Annex IV report (fedledger-operator report): ${join(summary.report, "model-card.md")}`);

    // The bundle holds the round's signed statement with the digest the chain recorded, the release's approvals and the two proofs.
    const bundle = decodeAuditBundle(readFileSync(summary.auditBundle));
    expect(bundle.rounds.map((r) => r.statementDigest)).toEqual(summary.statementDigests);
    expect((await verifyStatementEnvelope(bundle.rounds[0]!.statement!)).statementDigest).toBe(summary.statementDigests[0]);
    expect([bundle.releases?.[0]?.approvals.map((a) => a.approver), bundle.proofs?.map((p) => (p.proof as { kind: string }).kind)]).toEqual([
      summary.release.approvers,
      ["inclusion", "non-inclusion"],
    ]);

    // The model card names the release and the statement it is verified by.
    for (const name of ["model-card.md", "model-card.json", "model-card.html"]) expect(existsSync(join(summary.report, name)), name).toBe(true);
    const card = readFileSync(join(summary.report, "model-card.md"), "utf8");
    expect(card).toMatch(/^\| 1 \| mnist-mlp-v1 \| 1 \| /m);
    expect(card).toContain(summary.statementDigests[0]);
  });
});
