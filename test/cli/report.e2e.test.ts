// `fedledger-operator report` after a small real federation: the operator's `start` with
// evaluation data, three SDK participants training, two recorded rounds; then the spawned
// operator CLI writes the model card, which is held against the chain's own events.
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Hex, keccak256, toHex } from "viem";
import { contributionLedgerAbi, releaseApprovalTypedData, STORE_MODEL_SPEC_FILE, statementIndexPath } from "@fedledger/client-sdk";
import { reportCommand } from "../../coordinator/src/cli/commands/report.ts";
import type { ModelCard } from "../../coordinator/src/report/modelCard.ts";
import { expectTypedFailure, OPERATOR_CLI, runCli } from "../fixtures/cliProcess.ts";
import { runCsvFederation } from "../fixtures/csvFederation.ts";
import { recorded } from "../fixtures/federation.ts";

const ATTESTATION = keccak256(toHex("institution 1's consent form"));
const PURPOSE = "Triage of <synthetic> 4-feature records into 3 classes, for the test | federation's members.";
const operator = (args: readonly string[], env: Record<string, string>) => runCli(OPERATOR_CLI, args, env);

async function federate() {
  const f = await runCsvFederation({ name: "report", overrides: { modelCard: { name: "Report test model", provider: "The test consortium", purpose: PURPOSE } } });
  const { ledger, chainId, institutions } = f;

  // The operator, made an approver, releases round 2's model (threshold 1) and deprecates it.
  const send = async (hash: Promise<Hex>) => ledger.publicClient.waitForTransactionReceipt({ hash: await hash });
  const write = { address: ledger.ledger, abi: contributionLedgerAbi } as const;
  const approverRole = await ledger.publicClient.readContract({ ...write, functionName: "APPROVER_ROLE" });
  await send(ledger.wallet.writeContract({ ...write, functionName: "grantRole", args: [approverRole, ledger.operator.address] }));
  const [, round2] = (await recorded(ledger)).rounds;
  const release = { round: 2n, modelHash: round2!.args.aggregateModelHash!, tag: "report-test-v1", reportDigest: keccak256(toHex("evaluation report")) };
  const signature = await ledger.operator.signTypedData(releaseApprovalTypedData({ chainId, ledger: ledger.ledger }, release));
  await send(ledger.wallet.writeContract({ ...write, functionName: "recordRelease", args: [2n, release.tag, release.reportDigest, [{ approver: ledger.operator.address, signature }]] }));
  await send(ledger.wallet.writeContract({ ...write, functionName: "deprecateRelease", args: [1n, "a test deprecation"] }));
  // The first institution's registration gains its consent attestation (same dataset).
  const [first] = institutions;
  await send(ledger.wallet.writeContract({ ...write, functionName: "setParticipantDataset", args: [first!.account.address, first!.commitment, first!.data.numSamples, ATTESTATION] }));
  return { ...f, events: await recorded(ledger) };
}

describe("fedledger-operator report (real chain, coordinator, participants; spawned CLI)", () => {
  let f: Awaited<ReturnType<typeof federate>>;
  beforeAll(async () => {
    f = await federate();
  });
  afterAll(async () => {
    await f?.ledger.chain.close();
  });

  it("writes model-card.md, .json and .html: every round, each participant's commitment, transaction hashes the chain holds", async () => {
    expect(f.finished.map((r) => r.round)).toEqual([1, 2]);
    const out = join(f.work, "card");
    const run = await operator(["report", "--config", f.configFile, "--out", out, "--json"], {});
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(run.stdout)).toEqual({ out, files: ["model-card.json", "model-card.md", "model-card.html"].map((name) => join(out, name)), rounds: 2, participants: 3 });
    const card = JSON.parse(await readFile(join(out, "model-card.json"), "utf8")) as ModelCard;
    const markdown = await readFile(join(out, "model-card.md"), "utf8");
    const html = await readFile(join(out, "model-card.html"), "utf8");

    // Every round, with the chain's hashes and the transaction that recorded it.
    expect(card.rounds.map((r) => [r.round, r.baseModelHash, r.aggregateModelHash, r.evidence])).toEqual(
      f.events.rounds.map((e) => [Number(e.args.round), e.args.baseModelHash, e.args.aggregateModelHash, { kind: "event", event: "RoundRecorded", transactionHash: e.transactionHash, blockNumber: e.blockNumber.toString() }]),
    );
    for (const round of card.rounds) {
      const updates = f.events.updates.filter((u) => Number(u.args.round) === round.round);
      expect(round.updates).toEqual(updates.map((u) => ({ participant: u.args.participant, updateHash: u.args.updateHash, numSamples: String(u.args.numSamples), score: String(u.args.score) })));
      expect(round.metrics?.accuracy).toBe(f.finished[round.round - 1]!.metrics.accuracy);
      expect(markdown).toContain(`### Round ${round.round}`);
    }
    for (const e of f.events.rounds) {
      expect(markdown).toContain(e.transactionHash);
      expect(html).toContain(e.transactionHash);
    }
    expect(card.lineage.map((l) => l.modelHash)).toEqual([card.ledger.genesisModelHash, ...f.events.rounds.map((e) => e.args.aggregateModelHash)]);
    expect(card.model).toMatchObject({ round: 2, modelHash: f.events.rounds[1]!.args.aggregateModelHash, architecture: { inputs: 4, classes: 3, parameters: 15 } });

    // Each participant's registered commitment and attestation, with the transaction that gave them.
    const registered = await f.ledger.publicClient.getContractEvents({ address: f.ledger.ledger, abi: contributionLedgerAbi, eventName: "ParticipantRegistered", fromBlock: 0n });
    const [updated] = await f.ledger.publicClient.getContractEvents({ address: f.ledger.ledger, abi: contributionLedgerAbi, eventName: "DatasetCommitmentUpdated", fromBlock: 0n });
    expect(card.participants.map((p) => [p.address, p.datasetCommitment, p.datasetSize, p.attestationDigest, p.status, p.roundsContributed, p.registration])).toEqual(
      f.institutions.map((inst, i) => {
        const event = i === 0 ? updated! : registered.find((r) => r.args.participant === inst.account.address)!;
        const evidence = { kind: "event", event: i === 0 ? "DatasetCommitmentUpdated" : "ParticipantRegistered", transactionHash: event.transactionHash, blockNumber: event.blockNumber.toString() };
        return [inst.account.address, inst.commitment, inst.data.numSamples, i === 0 ? ATTESTATION : null, "active", 2, evidence];
      }),
    );
    expect(markdown).toContain(ATTESTATION);
    for (const inst of f.institutions) {
      expect(markdown).toContain(inst.commitment);
      expect(html).toContain(inst.commitment);
    }

    // The release, its approver and its deprecation, each with its transaction.
    const read = { address: f.ledger.ledger, abi: contributionLedgerAbi, fromBlock: 0n } as const;
    const [released] = await f.ledger.publicClient.getContractEvents({ ...read, eventName: "ReleaseRecorded" });
    const [deprecated] = await f.ledger.publicClient.getContractEvents({ ...read, eventName: "ReleaseDeprecated" });
    expect(card.releases).toMatchObject({
      threshold: "1",
      currentReleaseId: "1",
      items: [
        {
          releaseId: "1",
          round: 2,
          tag: "report-test-v1",
          modelHash: f.events.rounds[1]!.args.aggregateModelHash,
          approvers: [f.ledger.operator.address],
          status: "deprecated",
          evidence: { kind: "event", event: "ReleaseRecorded", transactionHash: released!.transactionHash },
          deprecation: { reason: "a test deprecation", evidence: { event: "ReleaseDeprecated", transactionHash: deprecated!.transactionHash } },
        },
      ],
    });
    expect(markdown).toContain("- **Released as**: report-test-v1 (release 1, deprecated)");
    expect(markdown).toContain(deprecated!.transactionHash);

    // The purpose as declared, escaped in HTML; the training settings from the config or the statements.
    expect(card.model).toMatchObject({ name: "Report test model", provider: "The test consortium", purpose: PURPOSE, declaredIn: { kind: "config", file: f.configFile } });
    expect(markdown).toContain(`# Model card: Report test model\n`);
    expect(markdown).toContain(PURPOSE);
    expect(html).toContain("Triage of &lt;synthetic&gt; 4-feature records");
    expect(card.training).toMatchObject({ roundsRecorded: 2, roundsPlanned: 2, roundsWithOtherSettings: [], settings: { scorer: { name: "shapley" }, training: { epochs: 2, batchSize: 16, learningRate: 0.1 } } });
    expect(card.validation.data).toMatchObject({ numSamples: 150 });

    // Each round's statement is verified, and is the evidence of its metrics and of the settings.
    expect(card.rounds.map((r) => [r.statement.status, r.statement.digest, r.metricsEvidence?.kind])).toEqual(f.events.rounds.map((e) => ["verified", e.args.statementDigest, "statement"]));
    expect(card.training.evidence).toEqual([{ kind: "statement", round: 2, statementDigest: f.events.rounds[1]!.args.statementDigest, signer: f.ledger.operator.address, transactionHash: f.events.rounds[1]!.transactionHash, blockNumber: f.events.rounds[1]!.blockNumber.toString() }]);
  });

  it("a statement the store lacks, or one that is not the recorded one, is reported as such and not used as evidence", async () => {
    const [first, second] = f.events.rounds.map((e) => e.args.statementDigest);
    const copy = async (name: string) => {
      const dir = join(f.work, name);
      await cp(f.store, dir, { recursive: true });
      return dir;
    };
    // Round 2's index removed; round 1's index naming round 2's envelope.
    const missing = await copy("no-statement");
    await rm(statementIndexPath(missing, second!));
    const swapped = await copy("swapped-statement");
    await writeFile(statementIndexPath(swapped, first!), await readFile(statementIndexPath(swapped, second!)));

    const { reader } = f;
    const missingCard = (await reportCommand({ storeDir: missing, out: join(f.work, "missing-card") }, reader)).card;
    expect(missingCard.rounds.map((r) => [r.statement.status, r.metricsEvidence?.kind])).toEqual([
      ["verified", "statement"],
      ["missing", "store"],
    ]);
    expect(missingCard.rounds[1]!.metrics?.accuracy).toBe(f.finished[1]!.metrics.accuracy);
    expect(missingCard.training.evidence).toMatchObject([{ kind: "statement", round: 1 }]);

    const swappedCard = (await reportCommand({ storeDir: swapped, out: join(f.work, "swapped-card") }, reader)).card;
    expect(swappedCard.rounds[0]!.statement).toMatchObject({ status: "invalid", digest: first, detail: expect.stringContaining("AUDIT_MISMATCH") });
    expect(swappedCard.rounds[0]!.metricsEvidence).toMatchObject({ kind: "store" });
    expect(await readFile(join(f.work, "swapped-card", "model-card.md"), "utf8")).toContain(`INVALID \`${first}\``);
  });

  it("from the store alone: the default purpose text; a store without its model spec is INVALID_CONFIG (exit 2)", async () => {
    const out = join(f.work, "store-card");
    const run = await operator(["report", "--store", f.store, "--out", out], f.env);
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/2 recorded round\(s\), 3 participant\(s\)/);
    const card = JSON.parse(await readFile(join(out, "model-card.json"), "utf8")) as ModelCard;
    expect(card.model).toMatchObject({ name: "fedledger model", declaredIn: null, purpose: expect.stringContaining("Its intended purpose has not been stated") });
    expect(card.rounds.map((r) => r.round)).toEqual([1, 2]);
    expect(await readFile(join(out, "model-card.md"), "utf8")).toContain("the default text (no coordinator config was given)");

    await rm(join(f.store, STORE_MODEL_SPEC_FILE));
    expectTypedFailure(await operator(["report", "--store", f.store, "--out", join(f.work, "never")], f.env), "INVALID_CONFIG");
  });
});
