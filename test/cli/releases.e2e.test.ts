// Model releases and dataset attestations, end to end with the CLIs as people run them
// (spawned processes, a real EDR chain over loopback JSON-RPC): the operator deploys with
// three approvers and k = 2, registers an institution with its consent attestation, two
// approvers sign a release, the operator records it, `verify-model` and `model export`
// show it, then a deprecation and a rollback; forged, foreign and too few approvals are refused.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Address, createPublicClient, createWalletClient, erc20Abi, getAddress, type Hex, http, keccak256, type PublicClient, sha256, toHex } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { contentHash, contributionLedgerAbi, encodeWeights, initialWeights, signUpdate, toCompactSignature } from "@fedledger/client-sdk";
import { createDirectoryContentStore } from "../../coordinator/src/stores/contentStore.ts";
import { startEmbeddedChain } from "../../coordinator/src/ledger/embeddedChain.ts";
import { expectTypedFailure, OPERATOR_CLI, PARTICIPANT_CLI, runCli } from "../fixtures/cliProcess.ts";
import { HARDHAT_MNEMONIC, institution, TINY_SPEC, tinyLayout, tinySpec } from "../fixtures/coordinatorHarness.ts";

const DEPLOYMENTS = fileURLToPath(new URL("../../contracts/ignition/deployments", import.meta.url));
const keyOf = (i: number): Hex => keccak256(toHex(`fedledger release approver ${i}`));
/** Three approvers in ascending address order, and an outsider who never gets the role until granted. */
const [approverA, approverB, approverC] = [1, 2, 3].map((i) => ({ key: keyOf(i), account: privateKeyToAccount(keyOf(i)) })).sort((x, y) => (BigInt(x.account.address) < BigInt(y.account.address) ? -1 : 1)) as [
  { key: Hex; account: ReturnType<typeof privateKeyToAccount> },
  { key: Hex; account: ReturnType<typeof privateKeyToAccount> },
  { key: Hex; account: ReturnType<typeof privateKeyToAccount> },
];
const outsider = { key: keyOf(4), account: privateKeyToAccount(keyOf(4)) };

type ApprovalJson = { approver: Address; signature: Hex; round: number; tag: string; modelHash: Hex; reportDigest: Hex };
type ReleaseJson = { releaseId: string; round: string; tag: string; approvers: Address[]; status: string; current: boolean; deprecation: { reason: string } | null };

describe("model releases and attestations through the CLIs (real chain, spawned processes)", () => {
  let chain: Awaited<ReturnType<typeof startEmbeddedChain>>;
  let publicClient: PublicClient;
  let dir: string;
  let ledger: Address;
  let modelFile: string;
  let modelHash: Hex;
  let report: string;
  const deploymentId = `test-releases-${process.pid}-${Date.now()}`;
  const chainFlags = () => ["--rpc-url", chain.rpcUrl, "--ledger", ledger];
  const operator = (args: readonly string[], key?: Hex) => runCli(OPERATOR_CLI, args, key === undefined ? { FEDLEDGER_MNEMONIC: HARDHAT_MNEMONIC } : { FEDLEDGER_OPERATOR_KEY: key });
  const participant = (args: readonly string[], key: Hex) => runCli(PARTICIPANT_CLI, [...args, ...chainFlags()], { FEDLEDGER_PRIVATE_KEY: key });
  const read = { abi: contributionLedgerAbi } as const;
  const approve = async (who: { key: Hex }, tag: string, out: string) => {
    const result = await participant(["release", "approve", "--round", "1", "--tag", tag, "--report", report, "--out", out], who.key);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(await readFile(out, "utf8")) as ApprovalJson;
  };
  const verifyModel = async (path: string) => {
    const result = await participant(["verify-model", path, "--json"], outsider.key);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as { releases: ReleaseJson[] };
  };

  beforeAll(async () => {
    chain = await startEmbeddedChain();
    publicClient = createPublicClient({ chain: hardhat, transport: http(chain.rpcUrl) });
    dir = await mkdtemp(join(tmpdir(), "fedledger-releases-"));
    const configFile = join(dir, "coordinator.json");
    await writeFile(
      configFile,
      JSON.stringify({
        chain: { rpcUrl: chain.rpcUrl, ledger: "0x0000000000000000000000000000000000000001" },
        model: { spec: TINY_SPEC },
        training: { epochs: 1, batchSize: 16, learningRate: 0.1 },
        storage: { dir: join(dir, "state") },
      }),
    );
    const approverFlags = [approverA, approverB, approverC].flatMap((a) => ["--approver", a.account.address]);
    const deployed = await operator(["deploy", "--config", configFile, "--network", "localhost", "--rpc-url", chain.rpcUrl, "--deployment-id", deploymentId, ...approverFlags, "--release-threshold", "2", "--json"]);
    expect(deployed.code, deployed.stderr).toBe(0);
    const summary = JSON.parse(deployed.stdout) as { ledger: Address; token: Address; approvers: Address[]; releaseThreshold: number };
    ledger = getAddress(summary.ledger);
    expect(summary.approvers).toEqual([approverA, approverB, approverC].map((a) => a.account.address));
    expect(summary.releaseThreshold).toBe(2);

    // One recorded round whose aggregate is a real tiny model, kept in a store for `model export`.
    const encoded = encodeWeights(initialWeights(tinySpec, 7), tinyLayout);
    modelHash = await contentHash(encoded);
    modelFile = join(dir, "model.bin");
    await writeFile(modelFile, encoded);
    const store = join(dir, "store");
    await createDirectoryContentStore(join(store, "objects")).put(encoded);
    await writeFile(join(store, "model-spec.json"), JSON.stringify(TINY_SPEC));
    report = join(dir, "evaluation-report.md");
    await writeFile(report, "# Evaluation\naccuracy 0.91 on the held-out set\n");

    const deployer = mnemonicToAccount(HARDHAT_MNEMONIC);
    const wallet = createWalletClient({ account: deployer, chain: hardhat, transport: http(chain.rpcUrl) });
    const send = async (hash: Promise<Hex>) => void (await publicClient.waitForTransactionReceipt({ hash: await hash }));
    const alice = institution(1);
    const consent = join(dir, "consent.txt");
    await writeFile(consent, "alice's data subjects consent to training; licence CC-BY-4.0\n");
    const registered = await operator(["register", alice.account.address, "--commitment", alice.commitment, "--dataset-size", "100", "--attestation", consent, ...chainFlags(), "--json"]);
    expect(registered.code, registered.stderr).toBe(0);
    const attestation = `0x${createHash("sha256").update(await readFile(consent)).digest("hex")}`;
    expect((JSON.parse(registered.stdout) as { attestationDigest: string }).attestationDigest).toBe(attestation);
    expect((await publicClient.readContract({ ...read, address: ledger, functionName: "participantInfo", args: [alice.account.address] })).attestationDigest).toBe(attestation);
    const status = await participant(["status", "--address", alice.account.address], outsider.key);
    expect(status.stdout).toContain(`Attestation         ${attestation}`);

    const tokenAddress = await publicClient.readContract({ ...read, address: ledger, functionName: "rewardToken" });
    await send(wallet.writeContract({ address: tokenAddress, abi: erc20Abi, functionName: "approve", args: [ledger, 10n ** 21n] }));
    await send(wallet.writeContract({ address: ledger, abi: contributionLedgerAbi, functionName: "fund", args: [10n ** 21n] }));
    const genesis = await publicClient.readContract({ ...read, address: ledger, functionName: "genesisModelHash" });
    const message = { round: 1n, baseModelHash: genesis, updateHash: keccak256(toHex("alice's update")), numSamples: 10n, datasetCommitment: alice.commitment };
    const signature = await signUpdate(alice.account, { chainId: hardhat.id, ledger }, message);
    const update = { participant: alice.account.address, updateHash: message.updateHash, numSamples: 10n, score: 1n, datasetCommitment: alice.commitment, ...toCompactSignature(signature) };
    await send(wallet.writeContract({ address: ledger, abi: contributionLedgerAbi, functionName: "recordRound", args: [1n, genesis, modelHash, sha256(toHex("round 1 statement")), [update]] }));
    // Gas money for the approvers' deprecation and rollback.
    for (const a of [approverA, approverB, outsider]) await send(wallet.sendTransaction({ to: a.account.address, value: 10n ** 18n }));
  });

  afterAll(async () => {
    await rm(join(DEPLOYMENTS, deploymentId), { recursive: true, force: true });
    await chain?.close();
  });

  it("deploy --approver ×3 --release-threshold 2: the approvers hold the role, not the deployer; k = 2", async () => {
    const role = await publicClient.readContract({ ...read, address: ledger, functionName: "APPROVER_ROLE" });
    for (const a of [approverA, approverB, approverC]) expect(await publicClient.readContract({ ...read, address: ledger, functionName: "hasRole", args: [role, a.account.address] })).toBe(true);
    expect(await publicClient.readContract({ ...read, address: ledger, functionName: "hasRole", args: [role, mnemonicToAccount(HARDHAT_MNEMONIC).address] })).toBe(false);
    expect(await publicClient.readContract({ ...read, address: ledger, functionName: "releaseThreshold" })).toBe(2n);
  });

  it("approve, record (2 of 3), verify-model, model export; forged, foreign and too few approvals refused", async () => {
    const [a, b] = [await approve(approverA, "v1.0", join(dir, "a.json")), await approve(approverB, "v1.0", join(dir, "b.json"))];
    expect(a).toMatchObject({ approver: approverA.account.address, round: 1, tag: "v1.0", modelHash, reportDigest: `0x${createHash("sha256").update(await readFile(report)).digest("hex")}` });
    const printed = await participant(["release", "approve", "--round", "1", "--tag", "v1.0", "--report", report], outsider.key);
    expect(printed.code, printed.stderr).toBe(0);
    await writeFile(join(dir, "outsider.json"), printed.stdout);
    const notRecorded = await participant(["release", "approve", "--round", "2", "--tag", "v1.0", "--report", report], approverA.key);
    expect(notRecorded.code).toBe(1);
    expect(notRecorded.stderr).toMatch(/^error \[MODEL_NOT_RECORDED\]/);

    const record = (approvals: readonly string[], reportFile = report) =>
      operator(["release", "record", "--round", "1", "--tag", "v1.0", "--report", reportFile, ...approvals.flatMap((f) => ["--approval", join(dir, f)]), ...chainFlags(), "--json"]);
    const before = await publicClient.getBlockNumber();
    // B's signature under C's name: caught before anything is sent.
    await writeFile(join(dir, "forged.json"), JSON.stringify({ ...b, approver: approverC.account.address }));
    expect(expectTypedFailure(await record(["a.json", "forged.json"]), "INVALID_SIGNATURE")).toContain(approverC.account.address);
    const otherReport = join(dir, "other-report.md");
    await writeFile(otherReport, "# another evaluation\n");
    expectTypedFailure(await record(["a.json", "b.json"], otherReport), "INVALID_CONFIG");
    expectTypedFailure(await record(["a.json", "a.json"]), "INVALID_CONFIG");
    // The ledger's own refusals: too few approvals, and a genuine signature by a non-approver.
    expect(expectTypedFailure(await record(["a.json"]), "CHAIN_ERROR")).toContain("LedgerReleaseBelowThreshold(1, 2)");
    expect(expectTypedFailure(await record(["a.json", "outsider.json"]), "CHAIN_ERROR")).toContain(`LedgerNotApprover(1, ${outsider.account.address})`);
    expect(await publicClient.getBlockNumber()).toBe(before);

    const recorded = await record(["b.json", "a.json"]); // any order: sorted before sending
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(JSON.parse(recorded.stdout)).toMatchObject({ releaseId: "1", tag: "v1.0", modelHash, approvers: [approverA.account.address, approverB.account.address] });

    const verified = await verifyModel(modelFile);
    expect(verified.releases).toMatchObject([{ releaseId: "1", round: "1", tag: "v1.0", status: "current", current: true, approvers: [approverA.account.address, approverB.account.address] }]);
    const human = await participant(["verify-model", modelFile], outsider.key);
    expect(human.stdout).toContain('Release 1 "v1.0" (round 1): current release');

    const exported = join(dir, "exported");
    const exportRun = await participant(["model", "export", "--store", join(dir, "store"), "--round", "1", "--out", exported, "--json"], outsider.key);
    expect(exportRun.code, exportRun.stderr).toBe(0);
    const release = JSON.parse(await readFile(join(exported, "release.json"), "utf8")) as { modelHash: Hex; releases: { releaseId: number; tag: string; status: string; approvers: Address[] }[] };
    expect(release).toMatchObject({ modelHash, releases: [{ releaseId: 1, tag: "v1.0", status: "current", approvers: [approverA.account.address, approverB.account.address] }] });
    expect((await verifyModel(exported)).releases.map((r) => r.releaseId)).toEqual(["1"]);
    // A release file that claims what the ledger does not record fails verify-model.
    await writeFile(join(exported, "release.json"), JSON.stringify({ ...release, releases: [{ ...release.releases[0], tag: "v9.9" }] }));
    const tampered = await participant(["verify-model", exported], outsider.key);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/^error \[RELEASE_NOT_RECORDED\]/);
  });

  it("a second release, deprecated and rolled back by approvers; the role is named in refusals and granted by name", async () => {
    const approvals = [await approve(approverA, "v1.1", join(dir, "a2.json")), await approve(approverC, "v1.1", join(dir, "c2.json"))];
    expect(approvals).toHaveLength(2);
    const second = await operator(["release", "record", "--round", "1", "--tag", "v1.1", "--report", report, "--approval", join(dir, "a2.json"), "--approval", join(dir, "c2.json"), ...chainFlags()]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^recorded release 2 "v1.1" of round 1/);

    expect(expectTypedFailure(await operator(["release", "deprecate", "2", "--reason", "no", ...chainFlags()], outsider.key), "MISSING_ROLE")).toContain("APPROVER");
    const deprecated = await operator(["release", "deprecate", "2", "--reason", "calibration drift", ...chainFlags()], approverA.key);
    expect(deprecated.code, deprecated.stderr).toBe(0);
    const rolledBack = await operator(["release", "rollback", "1", "--reason", "back to v1.0", ...chainFlags()], approverB.key);
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(expectTypedFailure(await operator(["release", "rollback", "2", "--reason", "forward", ...chainFlags()], approverB.key), "CHAIN_ERROR")).toContain("LedgerReleaseNotEarlier(2, 1)");

    const { releases } = await verifyModel(modelFile);
    expect(releases.map((r) => [r.releaseId, r.tag, r.status, r.current, r.deprecation?.reason ?? null])).toEqual([
      ["1", "v1.0", "current", true, null],
      ["2", "v1.1", "deprecated", false, "calibration drift"],
    ]);
    expect(await publicClient.readContract({ ...read, address: ledger, functionName: "currentReleaseId" })).toBe(1n);

    const granted = await operator(["grant-role", "approver", outsider.account.address, ...chainFlags()]);
    expect(granted.code, granted.stderr).toBe(0);
    const role = await publicClient.readContract({ ...read, address: ledger, functionName: "APPROVER_ROLE" });
    expect(await publicClient.readContract({ ...read, address: ledger, functionName: "hasRole", args: [role, outsider.account.address] })).toBe(true);
  });
});
