// `fedledger prove` and `fedledger verify-proof` as spawned processes, against a real EDR
// chain where two institutions registered the commitments of their real (CSV) datasets.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { contributionLedgerAbi, createLedgerReader } from "@fedledger/client-sdk";
import { fingerprintCommand } from "../../client-sdk/src/cli/commands/fingerprint.ts";
import { proveCommand } from "../../client-sdk/src/cli/commands/prove.ts";
import { formatVerifyProof, verifyProofCommand } from "../../client-sdk/src/cli/commands/verifyProof.ts";
import { parseDatasetSpec } from "../../client-sdk/src/cli/parseDatasetSpec.ts";
import { parseRecordSpec } from "../../client-sdk/src/cli/parseRecordSpec.ts";
import { type CliRun, PARTICIPANT_CLI, runCli, writeSyntheticCsv } from "../fixtures/cliProcess.ts";
import { institution, type LedgerHandle, startLedger } from "../fixtures/coordinatorHarness.ts";

const alice = institution(1);
const bob = institution(2);
const stranger = institution(3);
const COUNT = 96; // institution(i).data is syntheticDataset(1000 + i), 96 records

let ledger: LedgerHandle;
let work: string;
let env: Record<string, string>;
const file = (name: string) => join(work, name);
const fedledger = (args: readonly string[]) => runCli(PARTICIPANT_CLI, args, env);
const csv = ["--label-column", "label"];

/** Row `index` of a CSV file as a one-record CSV file (header kept). */
async function rowFile(source: string, index: number, name: string): Promise<string> {
  const [header, ...rows] = (await readFile(source, "utf8")).trim().split("\n");
  await writeFile(file(name), `${header}\n${rows[index]}\n`);
  return `csv:${file(name)}`;
}

function expectFailure(run: CliRun, code: string, message: RegExp): void {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr.startsWith(`error [${code}]: `), run.stderr).toBe(true);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

async function writeProof(name: string, edit: (proof: Record<string, unknown> & { proof: Record<string, unknown> }) => void): Promise<string> {
  const proof = JSON.parse(await readFile(file("alice-include.json"), "utf8")) as Record<string, unknown> & { proof: Record<string, unknown> };
  edit(proof);
  await writeFile(file(name), JSON.stringify(proof));
  return file(name);
}

beforeAll(async () => {
  ledger = await startLedger({ institutions: [alice, bob] });
  work = await mkdtemp(join(tmpdir(), "fedledger-proofs-"));
  env = { FEDLEDGER_RPC_URL: ledger.chain.rpcUrl, FEDLEDGER_LEDGER: ledger.ledger };
  await writeSyntheticCsv(file("alice.csv"), 1001, COUNT);
  await writeSyntheticCsv(file("bob.csv"), 1002, COUNT);
});
afterAll(async () => {
  await ledger?.chain.close();
});

describe("fedledger prove / verify-proof against the registered commitments (EDR)", () => {
  it("the CSV file's commitment is the one registered: fingerprint agrees with the chain", async () => {
    const fingerprint = await fingerprintCommand({ dataset: parseDatasetSpec(`csv:${file("alice.csv")}`, { labelColumn: "label" }) });
    const info = await ledger.publicClient.readContract({ address: ledger.ledger, abi: contributionLedgerAbi, functionName: "participantInfo", args: [alice.account.address] });
    expect(fingerprint).toMatchObject({ commitment: info.datasetCommitment, datasetSize: COUNT });
  });

  it("an inclusion proof of a real record verifies, with the record hashed locally; the proof holds no feature value", async () => {
    const made = await fedledger(["prove", "include", "index:17", "--dataset", `csv:${file("alice.csv")}`, ...csv, "--out", file("alice-include.json")]);
    expect(made, made.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(made.stdout).toMatch(/^Proof +inclusion in a set of 96 records$/m);
    const proofText = await readFile(file("alice-include.json"), "utf8");
    const row = (await readFile(file("alice.csv"), "utf8")).trim().split("\n")[18]!;
    for (const value of row.split(",").slice(0, 4)) expect(proofText).not.toContain(value);

    const record = await rowFile(file("alice.csv"), 17, "alice-17.csv");
    const [verified, json] = await Promise.all([
      fedledger(["verify-proof", file("alice-include.json"), "--participant", alice.account.address, "--record", record, ...csv]),
      // --json: every check, and where the ledger was given the commitment.
      fedledger(["verify-proof", file("alice-include.json"), "--participant", alice.account.address, "--json"]),
    ]);
    expect(verified, verified.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(verified.stdout).toMatch(/^merkle path +OK /m);
    expect(verified.stdout).toMatch(/^record +OK /m);
    expect(verified.stdout).toContain(`VALID: the record is in the dataset ${alice.account.address} registered.`);
    expect(json.code, json.stderr).toBe(0);
    const result = JSON.parse(json.stdout) as { valid: boolean; registeredCommitment: string; registration: { transactionHash: string; event: string } };
    const [registered] = await ledger.publicClient.getContractEvents({ address: ledger.ledger, abi: contributionLedgerAbi, eventName: "ParticipantRegistered", args: { participant: alice.account.address }, fromBlock: 0n });
    expect(result).toMatchObject({ valid: true, registeredCommitment: alice.commitment, registration: { event: "ParticipantRegistered", transactionHash: registered!.transactionHash } });
  });

  it("an exclusion proof of a record not in the dataset (one of bob's) verifies against alice's commitment", async () => {
    const record = await rowFile(file("bob.csv"), 3, "bob-3.csv");
    const made = await fedledger(["prove", "exclude", record, "--dataset", `csv:${file("alice.csv")}`, ...csv]);
    expect(made, made.stderr).toMatchObject({ code: 0, stderr: "" });
    await writeFile(file("alice-exclude.json"), made.stdout);
    const verified = await fedledger(["verify-proof", file("alice-exclude.json"), "--participant", alice.account.address, "--record", record, ...csv]);
    expect(verified, verified.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(verified.stdout).toContain(`VALID: the record is not in the dataset ${alice.account.address} registered.`);
  });

  it("include of a record not in the dataset fails clearly, and writes nothing", async () => {
    const record = await rowFile(file("bob.csv"), 3, "bob-3.csv");
    const run = await fedledger(["prove", "include", record, "--dataset", `csv:${file("alice.csv")}`, ...csv, "--out", file("never.json")]);
    expectFailure(run, "INVALID_PROOF", /bob-3\.csv is not in csv:.*alice\.csv: there is no inclusion proof \(`prove exclude` proves its absence\)/);
    await expect(readFile(file("never.json"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses forged proofs: a flipped sibling, a swapped record hash, a proof against another participant's commitment", async () => {
    const flipped = await writeProof("flipped.json", (p) => {
      const siblings = p.proof.siblings as string[];
      siblings[2] = `${siblings[2]!.slice(0, 10)}${siblings[2]![10] === "0" ? "1" : "0"}${siblings[2]!.slice(11)}`;
    });
    const verify = (proof: string, participant = alice.account.address) => fedledger(["verify-proof", proof, "--participant", participant]);
    // Alice's valid proof, checked against bob's registered commitment.
    const [flippedRun, againstBob] = await Promise.all([verify(flipped), verify(file("alice-include.json"), bob.account.address)]);
    expectFailure(flippedRun, "INVALID_PROOF", /the merkle path check failed/);
    expect(flippedRun.stdout).toMatch(/^merkle path +FAILED /m);
    expect(flippedRun.stdout).toContain("INVALID");
    expectFailure(againstBob, "INVALID_PROOF", /the commitment check failed/);
    expect(againstBob.stderr).toContain(`made against ${alice.commitment}, not ${bob.commitment}`);

    // The same command in process, on the same chain.
    const reader = createLedgerReader({ rpcUrl: ledger.chain.rpcUrl, ledger: ledger.ledger });
    const failedChecks = async (proof: string) =>
      (await verifyProofCommand({ file: proof, participant: alice.account.address }, { reader })).checks.filter((c) => !c.ok).map((c) => c.name);
    expect(await failedChecks(flipped)).toEqual(["merkle path"]);
    const bobRecord = JSON.parse(await readFile(file("alice-exclude.json"), "utf8")) as { recordHash: string };
    const swapped = await writeProof("swapped.json", (p) => {
      p.recordHash = bobRecord.recordHash;
    });
    expect(await failedChecks(swapped)).toEqual(["record hash"]);
    const swappedBoth = await writeProof("swapped-both.json", (p) => {
      p.recordHash = bobRecord.recordHash;
      p.proof.leaf = bobRecord.recordHash;
    });
    expect(await failedChecks(swappedBoth)).toEqual(["merkle path"]);
    // Bob's own proof, relabelled with alice's commitment, is still checked against the one alice registered.
    const { proof: bobProof } = await proveCommand({ kind: "inclusion", record: parseRecordSpec("index:0"), dataset: parseDatasetSpec(`csv:${file("bob.csv")}`, { labelColumn: "label" }) });
    await writeFile(file("bob-relabelled.json"), JSON.stringify({ ...bobProof, commitment: alice.commitment }));
    expect(await failedChecks(file("bob-relabelled.json"))).toEqual(["merkle path"]);
  });

  it("checks against the commitment in force: after a registrar's update, the update's transaction and attestation digest", async () => {
    const carol = institution(4);
    const [first, second] = [keccak256(toHex("carol's consent v1")), keccak256(toHex("carol's consent v2"))];
    const send = async (functionName: "registerParticipant" | "setParticipantDataset", args: readonly [Address, Hex, number, Hex]) =>
      ledger.publicClient.waitForTransactionReceipt({ hash: await ledger.wallet.writeContract({ address: ledger.ledger, abi: contributionLedgerAbi, functionName, args }) });
    await send("registerParticipant", [carol.account.address, keccak256(toHex("carol's first dataset")), COUNT, first]);
    const updated = await send("setParticipantDataset", [carol.account.address, carol.commitment, COUNT, second]);
    await writeSyntheticCsv(file("carol.csv"), 1004, COUNT);
    await proveCommand({ kind: "inclusion", record: parseRecordSpec("index:3"), dataset: parseDatasetSpec(`csv:${file("carol.csv")}`, { labelColumn: "label" }), out: file("carol.json") });

    const reader = createLedgerReader({ rpcUrl: ledger.chain.rpcUrl, ledger: ledger.ledger });
    const result = await verifyProofCommand({ file: file("carol.json"), participant: carol.account.address }, { reader });
    expect(result).toMatchObject({
      valid: true,
      registeredCommitment: carol.commitment,
      registration: { event: "DatasetCommitmentUpdated", transactionHash: updated.transactionHash, attestationDigest: second },
    });
    expect(formatVerifyProof(result)).toMatch(new RegExp(`^Attestation +${second}$`, "m"));
  });

  it("a valid proof with another record is HASH_MISMATCH; an unregistered participant NOT_REGISTERED; a non-proof INVALID_PROOF", async () => {
    const other = await rowFile(file("alice.csv"), 18, "alice-18.csv");
    const [mismatch, unregistered] = await Promise.all([
      fedledger(["verify-proof", file("alice-include.json"), "--participant", alice.account.address, "--record", other, ...csv]),
      fedledger(["verify-proof", file("alice-include.json"), "--participant", stranger.account.address]),
    ]);
    expectFailure(mismatch, "HASH_MISMATCH", /The record is not the one the proof is about/);
    expect(mismatch.stdout).toMatch(/^record +FAILED /m);
    expectFailure(unregistered, "NOT_REGISTERED", new RegExp(`${stranger.account.address} is not registered`));
    expect(unregistered.stdout).toBe("");

    const reader = createLedgerReader({ rpcUrl: ledger.chain.rpcUrl, ledger: ledger.ledger });
    await writeFile(file("not-a-proof.json"), JSON.stringify({ format: "something else" }));
    await expect(verifyProofCommand({ file: file("not-a-proof.json"), participant: alice.account.address }, { reader })).rejects.toMatchObject({
      code: "INVALID_PROOF",
      shortMessage: "Not a fedledger-dataset-proof version 1 file",
    });
  });
});
