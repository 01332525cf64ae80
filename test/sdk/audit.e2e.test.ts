// The audit end to end: the operator's `start` on the defaults (clipped FedAvg, Shapley
// scores, the full safety net) with evaluation data from a CSV file, three SDK
// participants, two recorded rounds; then `fedledger audit` from the coordinator's store
// and from the bundle `fedledger-operator export-audit` writes (the real CLIs, spawned),
// `model export --bundle`, and what a tampered store, another configuration and the wrong
// evaluation data make of the audit.
import { cp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Hex } from "viem";
import { contentObjectPath, encodeAuditBundle, readAuditBundle, STORE_AUDIT_CONFIG_FILE, STORE_OBJECTS_DIR } from "@fedledger/client-sdk";
import { type AuditSource, auditCommand, auditFailure } from "../../client-sdk/src/cli/commands/audit.ts";
import { modelExportCommand } from "../../client-sdk/src/cli/commands/modelExport.ts";
import { exportAudit } from "../../coordinator/src/cli/commands/exportAudit.ts";
import { DEFAULT_STRATEGY } from "../../coordinator/src/strategies/registry.ts";
import { expectTypedFailure, OPERATOR_CLI, PARTICIPANT_CLI, runCli, writeSyntheticCsv } from "../fixtures/cliProcess.ts";
import { runCsvFederation } from "../fixtures/csvFederation.ts";

const fedledger = (args: readonly string[], env: Record<string, string>) => runCli(PARTICIPANT_CLI, args, env);
const operator = (args: readonly string[], env: Record<string, string>) => runCli(OPERATOR_CLI, args, env);

/** Three institutions, two rounds on the coordinator's defaults. */
const federate = () => runCsvFederation({ name: "audit" });

describe("fedledger audit (real chain, coordinator, participants; spawned CLIs)", () => {
  let f: Awaited<ReturnType<typeof federate>>;
  const audit = (source: AuditSource, evaluation?: string) =>
    auditCommand({ source, ...(evaluation === undefined ? {} : { evaluation: { spec: evaluation, csv: { labelColumn: "label" } } }) }, { reader: f.reader });
  /** A copy of the store, changed by `change`. */
  const storeCopy = async (name: string, change: (dir: string) => Promise<void>) => {
    const dir = join(f.work, name);
    await cp(f.store, dir, { recursive: true });
    await change(dir);
    return dir;
  };
  const editAuditConfig = (edit: (config: Record<string, unknown>) => void) => async (dir: string) => {
    const path = join(dir, STORE_AUDIT_CONFIG_FILE);
    const config = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    edit(config);
    await writeFile(path, JSON.stringify(config));
  };

  beforeAll(async () => {
    f = await federate();
  });
  afterAll(async () => {
    await f?.ledger.chain.close();
  });

  it("the store of a run on the defaults passes: every aggregate and score re-derives (exit 0)", async () => {
    expect(f.finished.map((r) => r.round)).toEqual([1, 2]);
    const config = JSON.parse(await readFile(join(f.store, STORE_AUDIT_CONFIG_FILE), "utf8")) as Record<string, unknown>;
    expect(config).toMatchObject({ strategy: DEFAULT_STRATEGY, scorer: { name: "shapley" }, evaluation: { dataset: `csv:${f.csv}`, testFraction: 1, seed: 7 }, evaluationData: { numSamples: 150 } });

    const result = await audit({ kind: "store", dir: f.store });
    expect(result.passed).toBe(true);
    expect(result.rounds.map((r) => [r.round, r.baseModelHash, r.aggregate.status, r.scores.status])).toEqual(
      f.events.rounds.map((r) => [Number(r.args.round), r.args.baseModelHash, "ok", "ok"]),
    );
    expect(auditFailure(result)).toBeUndefined();

    const cli = await fedledger(["audit", "--store", f.store], f.env);
    expect(cli, cli.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(cli.stdout).toMatch(/^Round {2}Base model +Updates {2}Aggregate {2}Scores {2}Statement {2}Log anchor$/m);
    for (const r of f.events.rounds) expect(cli.stdout).toMatch(new RegExp(`^\\s*${r.args.round}  ${r.args.baseModelHash}\\s+3  OK +OK +OK +OK$`, "m"));
    expect(cli.stdout).toContain("All 2 round(s) check out");
  });

  it("export-audit writes a bundle that audits the same and model export reads", async () => {
    const bundle = join(f.work, "audit.bundle");
    const exported = await operator(["export-audit", "--store", f.store, "--out", bundle, "--json"], f.env);
    expect(exported, exported.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(exported.stdout)).toMatchObject({ rounds: 2, objects: 3 + 2 * 3, ledger: f.ledger.ledger, releases: 0, proofs: 0 });
    const content = await readAuditBundle(bundle);
    expect(content.rounds.map((r) => r.updates.map((u) => [u.participant, u.score, u.signature !== null]))).toEqual(
      f.events.rounds.map((r) => f.events.updates.filter((u) => u.args.round === r.args.round).map((u) => [u.args.participant, String(u.args.score), true])),
    );
    expect(content.rounds.map((r) => r.metrics?.accuracy)).toEqual(f.finished.map((r) => r.metrics.accuracy));

    const [cli, exportedModel] = await Promise.all([
      fedledger(["audit", "--bundle", bundle, "--json"], f.env),
      modelExportCommand({ out: join(f.work, "from-bundle"), source: { kind: "bundle", file: bundle }, round: 1 }, { reader: f.reader }),
    ]);
    expect(cli, cli.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(cli.stdout)).toMatchObject({ source: "bundle", passed: true, rounds: [{ round: 1 }, { round: 2 }] });
    expect(exportedModel.metadata).toMatchObject({ round: 1, modelHash: f.events.rounds[0]!.args.aggregateModelHash, source: "bundle" });
    const latest = await modelExportCommand({ out: join(f.work, "latest-from-bundle"), source: { kind: "bundle", file: bundle } }, { reader: f.reader });
    expect(latest.metadata).toMatchObject({ round: 2, modelHash: f.events.rounds[1]!.args.aggregateModelHash });

    // A bundle of another ledger is refused, not audited against this one.
    const { format: _format, version: _version, ...rest } = content;
    const other = join(f.work, "other.bundle");
    await writeFile(other, encodeAuditBundle({ ...rest, ledger: f.ledger.token }));
    await expect(audit({ kind: "bundle", file: other })).rejects.toMatchObject({ code: "INVALID_CONFIG" });

    // A --proof file that is not a `fedledger prove` file is refused before anything is written.
    const notAProof = join(f.work, "not-a-proof.json");
    await writeFile(notAProof, JSON.stringify({ kind: "inclusion" }));
    const refused = await operator(["export-audit", "--store", f.store, "--out", join(f.work, "never.bundle"), "--proof", `${f.ledger.operator.address}=${notAProof}`], f.env);
    expectTypedFailure(refused, "INVALID_PROOF");
  });

  it("one tampered byte of a stored update fails the audit with a hash error (exit 1); a missing one with OBJECT_NOT_FOUND", async () => {
    const update = f.events.updates.find((u) => u.args.round === 2n)!.args.updateHash as Hex;
    const tampered = await storeCopy("tampered", async (dir) => {
      const path = contentObjectPath(join(dir, STORE_OBJECTS_DIR), update);
      const bytes = await readFile(path);
      bytes[bytes.length - 1]! ^= 1;
      await writeFile(path, bytes);
    });
    const cli = await fedledger(["audit", "--store", tampered], f.env);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^error \[HASH_MISMATCH\]: The audit failed: 1 of 2 round\(s\)/);
    expect(cli.stdout).toMatch(new RegExp(`^\\s*1  0x[0-9a-f]{64}\\s+3  OK +OK +OK +OK$`, "m"));
    expect(cli.stdout).toMatch(/^\s*2 {2}0x[0-9a-f]{64}\s+3 {2}HASH_MISMATCH +HASH_MISMATCH +OK +OK$/m);

    const missing = await storeCopy("missing", (dir) => rm(contentObjectPath(join(dir, STORE_OBJECTS_DIR), update)));
    const result = await audit({ kind: "store", dir: missing });
    expect(result.rounds.map((r) => [r.aggregate.status, r.scores.status])).toEqual([
      ["ok", "ok"],
      ["error", "error"],
    ]);
    expect(auditFailure(result)).toMatchObject({ code: "OBJECT_NOT_FOUND" });
    await expect(exportAudit({ storeDir: missing, out: join(f.work, "missing.bundle") }, f.reader)).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND" });
  });

  it("another strategy or scorer than the coordinator ran re-derives other results: MISMATCH, not OK", async () => {
    const unclipped = await storeCopy("unclipped", editAuditConfig((c) => (c.strategy = { name: "fedavg" })));
    const byClaims = await storeCopy("samples", editAuditConfig((c) => (c.scorer = { name: "samples" })));
    const [aggregates, scores] = await Promise.all([audit({ kind: "store", dir: unclipped }), audit({ kind: "store", dir: byClaims })]);
    expect(aggregates.rounds.map((r) => [r.aggregate.status, r.scores.status])).toEqual([
      ["mismatch", "ok"],
      ["mismatch", "ok"],
    ]);
    expect(scores.rounds.map((r) => [r.aggregate.status, r.scores.status])).toEqual([
      ["ok", "mismatch"],
      ["ok", "mismatch"],
    ]);
    expect(auditFailure(scores)).toMatchObject({ code: "AUDIT_MISMATCH" });
  });

  it("a strategy it cannot re-derive is reported per round as unsupported, not as a mismatch", async () => {
    const krum = await storeCopy("krum", editAuditConfig((c) => (c.strategy = { name: "multi-krum", f: 0, m: 2 })));
    const result = await audit({ kind: "store", dir: krum });
    for (const r of result.rounds) {
      expect(r.aggregate).toMatchObject({ status: "unsupported", code: "AUDIT_UNSUPPORTED" });
      expect(r.aggregate.status === "unsupported" && r.aggregate.message).toContain("multi-krum");
      expect(r.scores.status).toBe("ok");
    }
    expect(auditFailure(result)).toMatchObject({ code: "AUDIT_UNSUPPORTED" });
  });

  it("refuses evaluation data other than the coordinator's, by its fingerprint (INVALID_DATASET)", async () => {
    const other = join(f.work, "other.csv");
    await writeSyntheticCsv(other, 78, 150);
    await expect(audit({ kind: "store", dir: f.store }, `csv:${other}`)).rejects.toMatchObject({ code: "INVALID_DATASET" });
    const cli = await fedledger(["audit", "--store", f.store, "--evaluation", `csv:${other}`, "--label-column", "label"], f.env);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^error \[INVALID_DATASET\]: This is not the coordinator's evaluation data/);
    // The right file, named explicitly, passes.
    expect((await audit({ kind: "store", dir: f.store }, `csv:${f.csv}`)).passed).toBe(true);
    expect(await readdir(f.store)).toContain(STORE_AUDIT_CONFIG_FILE);
  });
});
