// Export and use the global model, end to end: the operator's `start` with evaluation data
// from a CSV file, SDK participants keeping the global model locally, then `model export`
// from the store and from a participant's copy, plain TensorFlow.js loading the export,
// `predict`, and `verify-model` on the exported directory (the real CLI, spawned).
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLedgerReader,
  createParticipant,
  decodeWeights,
  parseDatasetSpec,
  readExportedModel,
  rederiveScores,
  STORE_OBJECTS_DIR,
  WEIGHTS_FILE,
} from "@fedledger/client-sdk";
import { buildModel, evaluateModel, selectBackend } from "@fedledger/client-sdk/training";
import { loadEvaluationData, startCoordinator as startOperatorCoordinator } from "@fedledger/coordinator";
import { modelExportCommand } from "../../client-sdk/src/cli/commands/modelExport.ts";
import { predictCommand } from "../../client-sdk/src/cli/commands/predict.ts";
import { verifyModelCommand } from "../../client-sdk/src/cli/commands/verifyModel.ts";
import { createDirectoryContentStore } from "../../coordinator/src/stores/contentStore.ts";
import { coordinatorConfig, genesisHash, institution, startLedger, tinyLayout, tinySpec } from "../fixtures/coordinatorHarness.ts";
import { PARTICIPANT_CLI, runCli, writeSyntheticCsv } from "../fixtures/cliProcess.ts";
import { recorded } from "../fixtures/federation.ts";
import { registerFileLoadRouter } from "../fixtures/tfjsFileRouter.ts";

const cli = (args: readonly string[], env: Record<string, string>) => runCli(PARTICIPANT_CLI, args, env);

/** A federation of two over the operator's `start`, run for 2 rounds; what the tests below read. */
async function federate() {
  const work = await mkdtemp(join(tmpdir(), "fedledger-export-e2e-"));
  const csv = join(work, "evaluation.csv");
  await writeSyntheticCsv(csv, 77, 150);
  const institutions = [institution(1), institution(2)];
  const ledger = await startLedger({ institutions });
  const config = coordinatorConfig(ledger, ledger.chain.rpcUrl, {
    rounds: { rounds: 2, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 30_000, availabilityTimeoutMs: 30_000 },
    evaluation: { dataset: `csv:${csv}`, labelColumn: "label" },
    scorer: { name: "leave-one-out" },
    safety: { copyCosine: null, replayCosine: null, validationGate: false },
  });
  let listening: (url: string) => void = () => undefined;
  const listened = new Promise<string>((resolve) => (listening = resolve));
  const running = startOperatorCoordinator({ config, account: ledger.operator, logger: pino({ level: "silent" }), signal: new AbortController().signal, onListening: listening });
  const coordinatorUrl = await listened;
  const chainId = await ledger.publicClient.getChainId();
  const modelDirs = institutions.map((_, i) => join(work, `participant-${i}`));
  const participants = institutions.map((inst, i) =>
    createParticipant({ coordinatorUrl, chainId, ledger: ledger.ledger, account: inst.account, data: inst.data, datasetCommitment: inst.commitment, modelDir: modelDirs[i]! }),
  );
  // Each participant keeps every round's model, the last one fetched when its round ends.
  const keptRounds = participants.map(() => [] as number[]);
  const kept = participants.map(
    (p, i) =>
      new Promise<void>((resolve) =>
        p.events.on("model:kept", (k) => {
          keptRounds[i]!.push(k.round);
          if (k.round === 2) resolve();
        }),
      ),
  );
  await Promise.all(participants.map((p) => p.start()));
  const finished = await running;
  await Promise.all(kept);
  await Promise.all(participants.map((p) => p.stop()));
  const { rounds, updates } = await recorded(ledger);
  const reader = createLedgerReader({ rpcUrl: ledger.chain.rpcUrl, ledger: ledger.ledger });
  const store = createDirectoryContentStore(join(config.storage.dir, STORE_OBJECTS_DIR));
  return { work, csv, ledger, config, chainId, modelDirs, keptRounds, finished, rounds, updates, reader, store, genesis: await genesisHash() };
}

describe("model export, predict and verify-model (real chain, coordinator, participants; spawned CLI)", () => {
  let f: Awaited<ReturnType<typeof federate>>;
  const aggregate = (round: number) => f.rounds[round - 1]!.args.aggregateModelHash!;
  const storeSource = () => ({ kind: "store", dir: f.config.storage.dir }) as const;

  beforeAll(async () => {
    f = await federate();
  });
  afterAll(async () => {
    await f?.ledger.chain.close();
  });

  it("evaluates on the CSV the config names, and scores re-derive from it", async () => {
    expect(f.finished.map((r) => r.round)).toEqual([1, 2]);
    const evaluationData = await loadEvaluationData(f.config.evaluation!, tinySpec);
    expect(evaluationData.numSamples).toBe(150);
    for (const r of f.finished) expect(r.metrics.accuracy).toBe((await evaluateModel({ spec: tinySpec, weights: r.global, data: evaluationData })).accuracy);
    for (const r of f.rounds) {
      const mine = f.updates.filter((u) => u.args.round === r.args.round);
      const scores = await rederiveScores({
        spec: tinySpec,
        evaluationData,
        scorer: { name: "leave-one-out" },
        baseModelHash: r.args.baseModelHash!,
        updates: mine.map((u) => ({ participant: u.args.participant!, updateHash: u.args.updateHash!, numSamples: u.args.numSamples! })),
        fetch: (hash) => f.store.get(hash),
      });
      expect(scores).toEqual(mine.map((u) => u.args.score));
    }
  });

  it("exports the latest recorded model from the store; plain TensorFlow.js loads it and predict runs it", async () => {
    const out = join(f.work, "latest");
    const latest = await modelExportCommand({ out, source: storeSource() }, { reader: f.reader });
    expect(latest.metadata).toMatchObject({ round: 2, modelHash: aggregate(2), chainId: f.chainId, ledger: f.ledger.ledger, genesisModelHash: f.genesis, source: "store" });
    expect(latest.metadata.lineage.map((s) => [s.round, s.baseModelHash, s.aggregateModelHash])).toEqual([
      [2, aggregate(1), aggregate(2)],
      [1, f.genesis, aggregate(1)],
    ]);

    await selectBackend();
    registerFileLoadRouter();
    const loaded = await tf.loadLayersModel(`file://${join(out, "model.json")}`);
    const recordedWeights = decodeWeights(await f.store.get(aggregate(2)), tinyLayout).weights;
    expect(loaded.getWeights().map((w) => w.dataSync())).toEqual(recordedWeights);
    const data = await loadEvaluationData(f.config.evaluation!, tinySpec);
    const rows = tf.tensor2d(data.features, [data.numSamples, 4]);
    const reference = buildModel(tinySpec, recordedWeights);
    expect(Array.from((loaded.predict(rows) as tf.Tensor).dataSync())).toEqual(Array.from((reference.predict(rows) as tf.Tensor).dataSync()));
    loaded.dispose();
    reference.dispose();

    const predicted = await predictCommand({ model: out, dataset: parseDatasetSpec(`csv:${f.csv}`, { labelColumn: "label" }) });
    expect(predicted).toMatchObject({ samples: 150, round: 2, modelHash: aggregate(2), accuracy: f.finished[1]!.metrics.accuracy });

    const verified = await verifyModelCommand({ file: out }, { reader: f.reader });
    expect(verified).toMatchObject({ modelHash: aggregate(2), lineage: { kind: "recorded", round: 2n }, exported: { round: 2 } });
  });

  it("exports an older round, the genesis model and a participant's local copy; refuses what the chain does not record", async () => {
    const first = await modelExportCommand({ out: join(f.work, "round-1"), source: storeSource(), round: 1 }, { reader: f.reader });
    expect(first.metadata).toMatchObject({ round: 1, modelHash: aggregate(1) });
    const genesis = await modelExportCommand({ out: join(f.work, "round-0"), source: storeSource(), round: 0 }, { reader: f.reader });
    expect(genesis.metadata).toMatchObject({ round: 0, modelHash: f.genesis, lineage: [] });
    expect((await verifyModelCommand({ file: join(f.work, "round-0") }, { reader: f.reader })).lineage.kind).toBe("genesis");
    // The local copy is the latest recorded model: round 2's aggregate, fetched when round 2 ended.
    expect(f.keptRounds).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    const local = await modelExportCommand({ out: join(f.work, "local"), source: { kind: "local", dir: f.modelDirs[0]! } }, { reader: f.reader });
    expect(local.metadata).toMatchObject({ round: 2, modelHash: aggregate(2), source: "local" });

    const refused = (options: Parameters<typeof modelExportCommand>[0]) => modelExportCommand(options, { reader: f.reader });
    await expect(refused({ out: join(f.work, "x"), source: storeSource(), round: 3 })).rejects.toMatchObject({ code: "MODEL_NOT_RECORDED" });
    await expect(refused({ out: join(f.work, "x"), source: { kind: "local", dir: f.modelDirs[1]! }, round: 1 })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    await expect(refused({ out: join(f.work, "x"), source: { ...storeSource(), specFile: join(f.work, "none.json") } })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });

  it("the CLI exports, predicts and verifies; tampered weights and an unrecorded model exit 1", async () => {
    const env = { FEDLEDGER_RPC_URL: f.ledger.chain.rpcUrl, FEDLEDGER_LEDGER: f.ledger.ledger };
    const out = join(f.work, "cli");
    const exported = await cli(["model", "export", "--store", f.config.storage.dir, "--out", out, "--json"], env);
    expect(exported, exported.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(exported.stdout)).toMatchObject({ metadata: { round: 2, modelHash: aggregate(2) } });
    const tampered = join(f.work, "tampered");
    await cp(out, tampered, { recursive: true });
    const bytes = await readFile(join(tampered, WEIGHTS_FILE));
    bytes.writeFloatLE(bytes.readFloatLE(0) + 1, 0);
    await writeFile(join(tampered, WEIGHTS_FILE), bytes);
    // The same change with the metadata's hash updated to match: consistent, but no round produced it.
    const unrecorded = join(f.work, "unrecorded");
    await cp(tampered, unrecorded, { recursive: true });
    const json = JSON.parse(await readFile(join(unrecorded, "model.json"), "utf8")) as { userDefinedMetadata: { fedledger: { modelHash: string } } };
    json.userDefinedMetadata.fedledger.modelHash = (await readExportedModel(unrecorded)).canonical.modelHash;
    await writeFile(join(unrecorded, "model.json"), JSON.stringify(json));

    const [local, prediction, ok, bad, missing] = await Promise.all([
      cli(["model", "export", "--local", f.modelDirs[1]!, "--out", join(f.work, "cli-local"), "--json"], env),
      cli(["predict", "--model", out, "--data", `csv:${f.csv}`, "--label-column", "label", "--json"], {}),
      cli(["verify-model", out], env),
      cli(["verify-model", tampered], env),
      cli(["verify-model", unrecorded, "--json"], env),
    ]);
    expect(local, local.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(local.stdout)).toMatchObject({ metadata: { round: 2, modelHash: aggregate(2), source: "local" } });
    expect(prediction, prediction.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(prediction.stdout)).toMatchObject({ samples: 150, accuracy: f.finished[1]!.metrics.accuracy });
    expect(ok, ok.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(ok.stdout).toContain(`Produced by round 2; lineage back to genesis ${f.genesis}`);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error \[HASH_MISMATCH\]: /);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error \[MODEL_NOT_RECORDED\]: /);
    expect(JSON.parse(missing.stdout)).toMatchObject({ lineage: { kind: "unrecorded" } });
  });
});
