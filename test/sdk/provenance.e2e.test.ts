// Provenance end to end: a real chain, the coordinator, three SDK participants training a
// tiny model for two rounds with server-side evaluation. Every round's statement digest on
// the chain names the signed statement in the coordinator's store; the audit of the bundle
// `export-audit` writes passes, and fails for a changed statement, a changed log byte, a
// dropped log entry, swapped entries, and a log rewritten with fresh hashes. Last, a release
// approved by 2 of 2 approvers and two dataset proofs are bundled and verified, and a forged
// approval, another approver's, and a changed proof are found.
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWalletClient, http, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import {
  type AuditBundle,
  auditProofs,
  auditReleases,
  buildMerkleTree,
  contributionLedgerAbi,
  createDatasetProof,
  createLedgerReader,
  createParticipant,
  datasetRecordHashes,
  decodeRoundStatement,
  EMPTY_EVENT_LOG_HEAD,
  type Dataset,
  encodeAuditBundle,
  evaluationDigest,
  loadDatasetSpec,
  nextEventLogEntry,
  parseDatasetSpec,
  prepareRelease,
  readAuditBundle,
  readRecordedRounds,
  readStoredStatement,
  roundStatementDigest,
  signReleaseApproval,
  signStatementEnvelope,
  STORE_EVENT_LOG_FILE,
  verifyEventLog,
  verifyStatementEnvelope,
} from "@fedledger/client-sdk";
import { auditBundle, auditFailure, formatAudit } from "../../client-sdk/src/cli/commands/audit.ts";
import { exportAudit } from "../../coordinator/src/cli/commands/exportAudit.ts";
import { COORDINATOR_SOFTWARE } from "../../coordinator/src/provenance/coordinatorSoftware.ts";
import { statementSigner } from "../../coordinator/src/provenance/statementSigner.ts";
import { DEFAULT_STRATEGY } from "../../coordinator/src/strategies/registry.ts";
import { PARTICIPANT_CLI, runCli, writeSyntheticCsv } from "../fixtures/cliProcess.ts";
import { coordinatorConfig, institution, startCoordinator, startLedger } from "../fixtures/coordinatorHarness.ts";
import { proveDemo } from "../../simulations/demo/demoProvenance.ts";

/** The coordinator's evaluation data: a CSV file, so that the spawned CLI can load it too. */
let evaluationData: Dataset;
const evaluationArgs = (csv: string) => ["--evaluation", `csv:${csv}`, "--label-column", "label"];

async function federate() {
  const work = await mkdtemp(join(tmpdir(), "fedledger-provenance-e2e-"));
  const csv = join(work, "evaluation.csv");
  await writeSyntheticCsv(csv, 77, 120);
  evaluationData = await loadDatasetSpec(parseDatasetSpec(`csv:${csv}`, { labelColumn: "label" }));
  const institutions = [institution(1), institution(2), institution(3)];
  const ledger = await startLedger({ institutions });
  const { coordinator, url, config } = await startCoordinator(
    ledger,
    { rounds: { rounds: 2, minFitClients: 2, minAvailableClients: 3, fitTimeoutMs: 30_000, availabilityTimeoutMs: 30_000 } },
    { evaluationData },
  );
  const chainId = await ledger.publicClient.getChainId();
  const participants = institutions.map((inst) =>
    createParticipant({ coordinatorUrl: url, chainId, ledger: ledger.ledger, account: inst.account, data: inst.data, datasetCommitment: inst.commitment }),
  );
  await Promise.all(participants.map((p) => p.start()));
  const finished = await coordinator.run();
  await Promise.all(participants.map((p) => p.stop()));
  await coordinator.close();
  const reader = createLedgerReader({ rpcUrl: ledger.chain.rpcUrl, ledger: ledger.ledger });
  const bundle = join(work, "audit.bundle");
  const exported = await exportAudit({ storeDir: config.storage.dir, out: bundle }, reader);
  const env = { FEDLEDGER_RPC_URL: ledger.chain.rpcUrl, FEDLEDGER_LEDGER: ledger.ledger };
  return { work, csv, env, ledger, institutions, store: config.storage.dir, finished, reader, bundle, exported, onChain: await readRecordedRounds(reader) };
}

describe("round statements and the event log (real chain, coordinator, participants)", () => {
  let f: Awaited<ReturnType<typeof federate>>;
  /** The bundle with `change` applied to its content, written to a new file. */
  const tampered = async (name: string, change: (content: AuditBundle) => void) => {
    const content = await readAuditBundle(f.bundle);
    change(content);
    const { format: _format, version: _version, ...rest } = content;
    const file = join(f.work, `${name}.bundle`);
    await writeFile(file, encodeAuditBundle(rest));
    return file;
  };
  const audit = (file: string) => auditBundle({ file, reader: f.reader, evaluationData });
  const logLines = (content: AuditBundle) => (content.eventLog ?? "").split("\n").slice(0, -1);
  const setLines = (content: AuditBundle, lines: readonly string[]) => (content.eventLog = `${lines.join("\n")}\n`);
  /** The line of the first entry of `type`. */
  const lineOf = (content: AuditBundle, type: string) => logLines(content).findIndex((l) => (JSON.parse(l) as { type: string }).type === type);

  beforeAll(async () => {
    f = await federate();
  });
  afterAll(async () => {
    await f?.ledger.chain.close();
  });

  it("every recorded round's statement digest names the signed statement in the store, which says what the chain records", async () => {
    expect(f.finished.map((r) => r.round)).toEqual([1, 2]);
    expect(f.onChain.map((r) => r.statementDigest)).toEqual(f.finished.map((r) => r.statementDigest));
    for (const [i, round] of f.onChain.entries()) {
      const envelope = await readStoredStatement(f.store, round.statementDigest);
      expect(envelope).toBeDefined();
      const verified = await verifyStatementEnvelope(envelope!, f.ledger.operator.address);
      expect(verified.statementDigest).toBe(round.statementDigest);
      const { subject, predicate } = verified.statement;
      expect(subject[0].digest.sha256).toBe(round.aggregateModelHash.slice(2));
      expect(predicate).toMatchObject({
        chainId: 31337,
        round: i + 1,
        baseModel: { sha256: round.baseModelHash.slice(2) },
        strategy: DEFAULT_STRATEGY,
        scorer: { name: "shapley" },
        training: { epochs: 2, batchSize: 16, learningRate: 0.1, seed: i + 1 },
        validation: { data: evaluationDigest(evaluationData), metrics: { loss: f.finished[i]!.metrics.loss, accuracy: f.finished[i]!.metrics.accuracy } },
        coordinator: { address: f.ledger.operator.address, software: COORDINATOR_SOFTWARE },
      });
      expect(predicate.updates.map((u) => [u.participant, `0x${u.digest.sha256}`, BigInt(u.numSamples), BigInt(u.score)])).toEqual(
        round.updates.map((u) => [u.participant, u.updateHash, u.numSamples, u.score]),
      );
      expect(predicate.updates.every((u) => /^0x[0-9a-f]{130}$/.test(u.signature))).toBe(true);
      // The statement anchors the log up to the round's aggregation.
      const log = verifyEventLog(await readFile(join(f.store, STORE_EVENT_LOG_FILE), "utf8"));
      const anchored = log.entries[predicate.eventLog.seq - 1];
      expect(anchored).toMatchObject({ type: "round.aggregated", hash: `0x${predicate.eventLog.sha256}`, data: { round: i + 1, aggregateModelHash: round.aggregateModelHash } });
    }
  });

  it("the event log chains every event, from start and config to each round's record with its transaction", async () => {
    const text = await readFile(join(f.store, STORE_EVENT_LOG_FILE), "utf8");
    const log = verifyEventLog(text);
    expect(log.problem).toBeUndefined();
    const types = log.entries.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(["start", "config", "round.opened"]);
    expect(types.filter((t) => t === "round.recorded")).toHaveLength(2);
    expect(types.filter((t) => t === "submission.accepted").length).toBeGreaterThanOrEqual(4);
    const config = log.entries[1]!.data as { config: { chain: { rpcUrl: string } } };
    expect(config.config.chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/); // scheme and host only
    const records = log.entries.filter((e) => e.type === "round.recorded").map((e) => e.data);
    expect(records).toEqual(
      f.onChain.map((r) => expect.objectContaining({ round: Number(r.round), transactionHash: r.transactionHash, statementDigest: r.statementDigest, aggregateModelHash: r.aggregateModelHash })),
    );
  });

  it("the exported bundle audits clean: statements, signer, anchors and the log (the function and the CLI)", async () => {
    expect(f.exported).toMatchObject({ rounds: 2, statements: 2, eventLog: true });
    const result = await audit(f.bundle);
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ passed: true, roundsChecked: 2 });
    expect(result.result.rounds.map((r) => [r.aggregate.status, r.scores.status, r.statement.status, r.logAnchor.status])).toEqual([
      ["ok", "ok", "ok", "ok"],
      ["ok", "ok", "ok", "ok"],
    ]);
    expect(result.result.rounds[0]?.signer).toEqual({ address: f.ledger.operator.address, basis: expect.stringContaining("sent the round's record") });
    expect(result.result.eventLog).toMatchObject({ check: { status: "ok" }, anchoredThrough: result.result.rounds[1]?.eventLogSeq });

    // The CLI prints the checks in its table.
    const cli = await runCli(PARTICIPANT_CLI, ["audit", "--bundle", f.bundle, ...evaluationArgs(f.csv)], f.env);
    expect(cli, cli.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(cli.stdout).toMatch(/^Round {2}Base model +Updates {2}Aggregate {2}Scores {2}Statement {2}Log anchor$/m);
    expect(cli.stdout).toMatch(/^\s*2 {2}0x[0-9a-f]{64}\s+\d {2}OK +OK +OK +OK$/m);
    expect(cli.stdout).toMatch(/^Event log +\d+ entries, hash chain intact; anchored on-chain through entry \d+$/m);
  });

  it("a node-held (JSON-RPC) coordinator account signs statements too: as an EIP-191 message, recovered to its address", async () => {
    const transport = http(f.ledger.chain.rpcUrl);
    const [address] = await createWalletClient({ chain: hardhat, transport }).getAddresses();
    const signer = statementSigner(createWalletClient({ account: address!, chain: hardhat, transport }));
    const envelope = (await readStoredStatement(f.store, f.onChain[0]!.statementDigest))!;
    const resigned = await signStatementEnvelope(Buffer.from(envelope.payload, "base64"), signer);
    expect(await verifyStatementEnvelope(resigned, address)).toMatchObject({ signer: address, statementDigest: f.onChain[0]!.statementDigest });
  });

  it("the same statement signed by a key that did not record the round and lacked COORDINATOR_ROLE then fails (MISSING_ROLE), even if granted it later", async () => {
    const stranger = privateKeyToAccount(keccak256(toHex("fedledger provenance late coordinator")));
    const original = (await readStoredStatement(f.store, f.onChain[0]!.statementDigest))!;
    const resigned = await signStatementEnvelope(Buffer.from(original.payload, "base64"), stranger);
    const role = await f.ledger.publicClient.readContract({ address: f.ledger.ledger, abi: contributionLedgerAbi, functionName: "COORDINATOR_ROLE" });
    const grant = await f.ledger.wallet.writeContract({ address: f.ledger.ledger, abi: contributionLedgerAbi, functionName: "grantRole", args: [role, stranger.address] });
    await f.ledger.publicClient.waitForTransactionReceipt({ hash: grant });
    const file = await tampered("statement-late-signer", (content) => (content.rounds[0]!.statement = resigned));
    const result = await audit(file);
    expect(result.result.rounds[0]?.statement).toMatchObject({ status: "error", code: "MISSING_ROLE", message: expect.stringContaining(`lacks COORDINATOR_ROLE at block ${f.onChain[0]!.blockNumber}`) });
    expect(result.passed).toBe(false);
  });

  it("a changed byte in a statement fails it: the signature no longer holds; re-signed by another key, the digest differs from the chain's", async () => {
    const changePayload = (content: AuditBundle) => {
      const envelope = content.rounds[0]!.statement!;
      const text = Buffer.from(envelope.payload, "base64").toString("utf8");
      const changed = text.replace(/"numSamples":(\d+)/, (_, n: string) => `"numSamples":${Number(n) + 1}`);
      expect(changed).not.toBe(text);
      return changed;
    };
    const file = await tampered("statement-byte", (content) => {
      const envelope = content.rounds[0]!.statement!;
      envelope.payload = Buffer.from(changePayload(content)).toString("base64");
    });
    const result = await audit(file);
    expect(result.passed).toBe(false);
    expect(result.result.rounds[0]?.statement).toMatchObject({ status: "error", code: "INVALID_SIGNATURE" });
    expect(result.result.rounds[1]?.statement.status).toBe("ok");
    expect(auditFailure(result.result)).toMatchObject({ code: "INVALID_SIGNATURE" });

    const stranger = privateKeyToAccount(keccak256(toHex("fedledger provenance stranger")));
    const changed = changePayload(await readAuditBundle(f.bundle));
    const resigned = await signStatementEnvelope(new TextEncoder().encode(changed), stranger);
    const other = await tampered("statement-resigned", (content) => (content.rounds[0]!.statement = resigned));
    const second = await audit(other);
    expect(second.result.rounds[0]?.statement).toMatchObject({ status: "mismatch", code: "AUDIT_MISMATCH" });
    expect(second.problems[0]).toContain(`the chain records ${f.onChain[0]!.statementDigest}`);
    expect(roundStatementDigest(decodeRoundStatement(new TextEncoder().encode(changed)))).not.toBe(f.onChain[0]!.statementDigest);
  });

  it("a changed byte in the log fails the log (hash) and the anchors after it; the CLI exits 1", async () => {
    const file = await tampered("log-byte", (content) => {
      const lines = logLines(content);
      const at = lineOf(content, "submission.accepted");
      lines[at] = lines[at]!.replace(/"numSamples":(\d+)/, (_, n: string) => `"numSamples":${Number(n) + 1}`);
      setLines(content, lines);
    });
    const result = await audit(file);
    expect(result.passed).toBe(false);
    expect(result.result.eventLog.check).toMatchObject({ code: "EVENT_LOG_CORRUPT", message: expect.stringContaining("(hash)") });
    expect(result.result.rounds.map((r) => r.logAnchor)).toEqual([
      expect.objectContaining({ code: "EVENT_LOG_CORRUPT" }),
      expect.objectContaining({ code: "EVENT_LOG_CORRUPT" }),
    ]);
    expect(result.result.rounds.map((r) => r.statement.status)).toEqual(["ok", "ok"]);

    const cli = await runCli(PARTICIPANT_CLI, ["audit", "--bundle", file, ...evaluationArgs(f.csv), "--json"], f.env);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^error \[EVENT_LOG_CORRUPT\]: The audit failed: 2 of 2 round\(s\) did not check out against the chain; the event log fails verification/);
  });

  it("a dropped log entry is found (missing)", async () => {
    const file = await tampered("log-drop", (content) => {
      const lines = logLines(content);
      lines.splice(lineOf(content, "round.recorded"), 1);
      setLines(content, lines);
    });
    const result = await audit(file);
    expect(result.passed).toBe(false);
    expect(result.result.eventLog.check.status !== "ok" && result.result.eventLog.check.message).toContain("(missing)");
    // Round 1's anchor precedes the drop; round 2's follows it.
    expect(result.result.rounds.map((r) => r.logAnchor.status)).toEqual(["ok", "mismatch"]);
  });

  it("two swapped log entries are found (reordered)", async () => {
    const file = await tampered("log-swap", (content) => {
      const lines = logLines(content);
      const at = lineOf(content, "round.opened");
      [lines[at], lines[at + 1]] = [lines[at + 1]!, lines[at]!];
      setLines(content, lines);
    });
    const result = await audit(file);
    expect(result.passed).toBe(false);
    expect(result.result.eventLog.check.status !== "ok" && result.result.eventLog.check.message).toContain("(reordered)");
    expect(auditFailure(result.result)).toMatchObject({ code: "EVENT_LOG_CORRUPT" });
  });

  it("a log rewritten with fresh hashes chains again, but the statements' on-chain anchors find it", async () => {
    const file = await tampered("log-rewritten", (content) => {
      const entries = verifyEventLog(content.eventLog!).entries;
      let head = EMPTY_EVENT_LOG_HEAD;
      let text = "";
      for (const e of entries) {
        const data = e.type === "config" ? { config: { forged: true } } : e.data;
        const { entry, line } = nextEventLogEntry(head, e.at, e.type, data);
        head = { seq: entry.seq, hash: entry.hash };
        text += line;
      }
      content.eventLog = text;
    });
    const result = await audit(file);
    expect(result.result.eventLog.check.status).toBe("ok");
    expect(result.result.rounds.map((r) => r.logAnchor)).toEqual([
      expect.objectContaining({ code: "EVENT_LOG_CORRUPT", message: expect.stringContaining("the log was rewritten") }),
      expect.objectContaining({ code: "EVENT_LOG_CORRUPT" }),
    ]);
    expect(result.passed).toBe(false);
  });

  it("the demo's end (proveDemo) prints the audit's problems and fails for a tampered store", async () => {
    const store = join(f.work, "store-tampered");
    await cp(f.store, store, { recursive: true });
    const logFile = join(store, STORE_EVENT_LOG_FILE);
    const text = await readFile(logFile, "utf8");
    const changed = text.replace(/"numSamples":(\d+)/, (_, n: string) => `"numSamples":${Number(n) + 1}`);
    expect(changed).not.toBe(text);
    await writeFile(logFile, changed);
    const lines: string[] = [];
    const config = coordinatorConfig(f.ledger, f.ledger.chain.rpcUrl, { storage: { dir: store } });
    const workDir = await mkdtemp(join(f.work, "demo-"));
    await expect(proveDemo({ reader: f.reader, config, evaluationData, workDir, proofs: [], say: (line) => lines.push(line) })).rejects.toThrow(
      /^the audit of the demo's bundle failed: \d+ problem\(s\), listed above$/,
    );
    expect(lines).toContain("audit of the bundle against the chain (fedledger audit --bundle): FAILED");
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}event log: \[EVENT_LOG_CORRUPT\] line \d+ \(hash\)/));
  });

  // Last: it adds a release to the chain.
  it("a release (2 of 2 approvals) and dataset proofs are bundled and verified; a forged or foreign approval and a changed proof fail", async () => {
    const { ledger: handle } = f;
    const send = async (hash: Promise<`0x${string}`>) => void (await handle.publicClient.waitForTransactionReceipt({ hash: await hash }));
    const board = [1, 2].map((i) => privateKeyToAccount(keccak256(toHex(`fedledger provenance approver ${i}`))));
    const role = await handle.publicClient.readContract({ address: handle.ledger, abi: contributionLedgerAbi, functionName: "APPROVER_ROLE" });
    for (const member of board) await send(handle.wallet.writeContract({ address: handle.ledger, abi: contributionLedgerAbi, functionName: "grantRole", args: [role, member.address] }));
    await send(handle.wallet.writeContract({ address: handle.ledger, abi: contributionLedgerAbi, functionName: "setReleaseThreshold", args: [2] }));
    const message = { round: 2n, modelHash: f.onChain[1]!.aggregateModelHash, tag: "v2", reportDigest: keccak256(toHex("evaluation report")) };
    const domain = { chainId: 31337, ledger: handle.ledger };
    const approvals = await Promise.all(board.map(async (member, i) => ({ file: await signReleaseApproval(member, domain, message), source: `approver ${i + 1}` })));
    const prepared = await prepareRelease(f.reader, { round: 2, tag: message.tag, reportDigest: message.reportDigest, approvals });
    await send(handle.wallet.writeContract({ address: handle.ledger, abi: contributionLedgerAbi, functionName: "recordRelease", args: [prepared.round, prepared.tag, prepared.reportDigest, prepared.approvals] }));

    // Institution 1 proves a record is in its registered dataset, and an evaluation record is not.
    const alice = f.institutions[0]!;
    const tree = buildMerkleTree(datasetRecordHashes(alice.data));
    expect(tree.root).toBe(alice.commitment);
    const outside = datasetRecordHashes(evaluationData).find((h) => !tree.recordHashes.includes(h))!;
    const proofFiles = await Promise.all(
      [createDatasetProof(tree, "inclusion", tree.recordHashes[3]!), createDatasetProof(tree, "non-inclusion", outside)].map(async (proof) => {
        const file = join(f.work, `${proof.kind}.proof.json`);
        await writeFile(file, JSON.stringify(proof));
        return { participant: alice.account.address, file };
      }),
    );
    // A fresh reader: f.reader's client caches the block number it read last (viem's cacheTime).
    const reader = createLedgerReader({ rpcUrl: handle.chain.rpcUrl, ledger: handle.ledger });
    const bundle = join(f.work, "with-release.bundle");
    expect(await exportAudit({ storeDir: f.store, out: bundle, proofs: proofFiles }, reader)).toMatchObject({ rounds: 2, releases: 1, proofs: 2 });

    const audit = (file: string) => auditBundle({ file, reader, evaluationData });
    const clean = await audit(bundle);
    expect(clean.problems).toEqual([]);
    expect(clean.passed).toBe(true);
    expect(clean.result.releases).toEqual([
      expect.objectContaining({ releaseId: 1n, round: 2, tag: "v2", approvalsFrom: "bundle", status: "current", model: { status: "ok" }, approvals: { status: "ok" } }),
    ]);
    expect(clean.result.proofs.map((p) => [p.kind, p.commitment, p.check.status])).toEqual([
      ["inclusion", alice.commitment, "ok"],
      ["non-inclusion", alice.commitment, "ok"],
    ]);
    const table = formatAudit(clean.result);
    expect(table).toMatch(/^Release {2}Tag {2}Round {2}Approvers {2}Signatures from {2}Status {3}Model {2}Approvals$/m);
    expect(table).toMatch(/^ +1 {2}v2 +2 +2 {2}bundle +current {2}OK +OK$/m);
    expect(table).toMatch(/^ +2 {2}0x[0-9a-fA-F]{40} {2}non-inclusion {2}0x[0-9a-f]{64} {2}OK$/m);

    // An approval signed by an outsider but bundled as a listed approver's: its signature does not recover to that approver.
    const outsider = privateKeyToAccount(keccak256(toHex("fedledger provenance outsider")));
    const forgedSignature = (await signReleaseApproval(outsider, domain, message)).signature;
    const { format: _format, version: _version, ...content } = await readAuditBundle(bundle);
    content.releases![0]!.approvals[0]!.signature = forgedSignature;
    const forged = join(f.work, "release-forged.bundle");
    await writeFile(forged, encodeAuditBundle(content));
    const failed = await audit(forged);
    expect(failed.passed).toBe(false);
    expect(failed.result.releases[0]?.approvals).toMatchObject({ status: "error", code: "INVALID_SIGNATURE" });
    expect(failed.problems).toEqual([expect.stringMatching(/^release 1 approvals: \[INVALID_SIGNATURE\] /)]);
    expect(auditFailure(failed.result)).toMatchObject({ code: "INVALID_SIGNATURE", shortMessage: "The audit failed: 1 of 1 release(s) did not check out" });

    // The outsider's own valid approval in place of a listed approver's: not the approvers the ledger lists.
    const rounds = f.onChain;
    const foreign = new Map([[1n, [{ approver: outsider.address, signature: forgedSignature }, prepared.approvals[1]!]]]);
    const [swapped] = await auditReleases({ reader, chainId: 31337, rounds, bundled: foreign });
    expect(swapped?.approvals).toMatchObject({ status: "mismatch", code: "AUDIT_MISMATCH", message: expect.stringContaining("but the ledger lists") });
    // Without bundled approvals, they are read from the release's transaction.
    const [fromChain] = await auditReleases({ reader, chainId: 31337, rounds });
    expect(fromChain).toMatchObject({ approvalsFrom: "transaction", approvals: { status: "ok" }, model: { status: "ok" } });

    // A changed proof, and a proof against a commitment the participant never registered.
    const [inclusion] = content.proofs!;
    const changed = structuredClone(inclusion!.proof) as { proof: { siblings: string[] } };
    changed.proof.siblings[0] = keccak256(toHex("not a sibling"));
    const bob = f.institutions[1]!;
    const [changedProof, otherCommitment] = await auditProofs(reader, [
      { participant: alice.account.address, proof: changed as Record<string, unknown> },
      { participant: bob.account.address, proof: inclusion!.proof },
    ]);
    expect(changedProof?.check).toMatchObject({ status: "mismatch", code: "INVALID_PROOF", message: expect.stringContaining("merkle path") });
    expect(otherCommitment).toMatchObject({ commitment: null, check: { status: "mismatch", code: "INVALID_PROOF", message: expect.stringContaining("never registered") } });
  });
});
