import { join } from "node:path";
import type { Address, Hex } from "viem";
import { type AuditBundle, bundledObjects, readAuditBundle } from "../../audit/auditBundle.ts";
import { type AuditConfig, checkEvaluationData, parseAuditConfig } from "../../audit/auditConfig.ts";
import { auditableAggregation, auditableScoring } from "../../audit/auditMethods.ts";
import { auditRound, type RoundAudit } from "../../audit/auditRound.ts";
import type { BlockRange } from "../../chain/blockRange.ts";
import { withChainErrors } from "../../chain/chainError.ts";
import { readRecordedRounds } from "../../chain/readRecordedRounds.ts";
import type { Dataset } from "../../data/Dataset.ts";
import { holdOut } from "../../data/holdOut.ts";
import { FedLedgerError } from "../../errors/FedLedgerError.ts";
import { readJsonFile, readStoredObject, STORE_AUDIT_CONFIG_FILE, STORE_MODEL_SPEC_FILE } from "../../modelFiles/coordinatorStore.ts";
import { parseModelSpec } from "../../training/modelSpec.ts";
import { formatFields, formatTable } from "../format/formatTable.ts";
import { loadDatasetSpec } from "../loadDatasetSpec.ts";
import { type CsvSpecOptions, csvSpecOptions, parseDatasetSpec } from "../parseDatasetSpec.ts";
import type { ChainDependencies } from "./status.ts";

/** Where the audit takes the stored objects, the model spec and the audit config from. */
export type AuditSource =
  /** A coordinator's `storage.dir`. */
  | { readonly kind: "store"; readonly dir: string }
  /** A file from `fedledger-operator export-audit`. */
  | { readonly kind: "bundle"; readonly file: string };

export type AuditOptions = {
  source: AuditSource;
  /** The evaluation data, as the CLI takes a dataset; default: the one the audit config names. */
  evaluation?: { spec: string; csv?: CsvSpecOptions };
  range?: BlockRange;
};

export type AuditResult = {
  readonly ledger: Address;
  readonly chainId: number;
  readonly source: AuditSource["kind"];
  readonly strategy: AuditConfig["strategy"];
  readonly scorer: AuditConfig["scorer"];
  readonly rounds: readonly RoundAudit[];
  /** Every round's aggregate and scores re-derived and equal to the chain's. */
  readonly passed: boolean;
};

type Material = {
  modelSpec: unknown;
  config: AuditConfig;
  get: (hash: Hex) => Promise<Uint8Array | undefined>;
  bundle?: AuditBundle;
};

async function material(source: AuditSource): Promise<Material> {
  if (source.kind === "bundle") {
    const bundle = await readAuditBundle(source.file);
    return { modelSpec: bundle.modelSpec, config: bundle.auditConfig, get: bundledObjects(bundle), bundle };
  }
  const configFile = join(source.dir, STORE_AUDIT_CONFIG_FILE);
  const [modelSpec, config] = await Promise.all([readJsonFile(join(source.dir, STORE_MODEL_SPEC_FILE), "the model spec"), readJsonFile(configFile, "the audit config")]);
  return { modelSpec, config: parseAuditConfig(config, configFile), get: (hash) => readStoredObject(source.dir, hash) };
}

/**
 * The coordinator's evaluation data, rebuilt as it loaded it (the configured hold-out,
 * when it had an `evaluation` config) and checked against the recorded fingerprint and
 * order. Throws INVALID_CONFIG when there is none to take, INVALID_DATASET when it is not
 * the recorded data, and what the loaders throw.
 */
async function evaluationData(config: AuditConfig, override: AuditOptions["evaluation"]): Promise<Dataset> {
  const recorded = config.evaluationData;
  if (recorded === null) throw new FedLedgerError("INVALID_CONFIG", "The audit config records no evaluation data, which its scorer needs");
  const configured = config.evaluation;
  const text = override?.spec ?? configured?.dataset;
  if (text === undefined) {
    throw new FedLedgerError("INVALID_CONFIG", "Pass the coordinator's evaluation data with --evaluation SPEC", { details: "its audit config names no dataset (the data was passed in, not configured)" });
  }
  const given = csvSpecOptions(override?.csv ?? {});
  // The configured csv options apply unless others are given (or the data is no longer csv).
  const csv = Object.keys(given).length > 0 || !text.startsWith("csv:") || configured === null ? given : csvSpecOptions(configured);
  const loaded = await loadDatasetSpec(parseDatasetSpec(text, csv));
  const data = configured === null ? loaded : holdOut(loaded, { testFraction: configured.testFraction, seed: configured.seed });
  checkEvaluationData(data, recorded);
  return data;
}

/**
 * `fedledger audit`: reads every RoundRecorded and UpdateRecorded event, re-derives each
 * round's aggregate and scores from the stored base model and signed updates with the
 * coordinator's recorded strategy and scorer (see auditRound), and compares them with the
 * chain. Each round's checks say what failed; auditFailure turns them into the CLI's error.
 *
 * Throws INVALID_CONFIG when the source lacks its model spec or audit config or the bundle
 * belongs to another ledger, INVALID_DATASET when the evaluation data is not the recorded
 * one, DECODE_ERROR for a file that is not a bundle, CHAIN_ERROR when the ledger cannot be read.
 */
export async function auditCommand(options: AuditOptions, dependencies: ChainDependencies): Promise<AuditResult> {
  const { reader } = dependencies;
  const found = await material(options.source);
  const [chainId, rounds] = await Promise.all([withChainErrors("read the chain id", () => reader.client.getChainId()), readRecordedRounds(reader, options.range)]);
  if (found.bundle && (found.bundle.chainId !== chainId || found.bundle.ledger.toLowerCase() !== reader.ledger.toLowerCase())) {
    throw new FedLedgerError("INVALID_CONFIG", "The bundle was exported from another ledger", {
      details: `bundle: ledger ${found.bundle.ledger} on chain ${found.bundle.chainId}; asked: ${reader.ledger} on chain ${chainId}`,
    });
  }
  const spec = parseModelSpec(found.modelSpec);
  const aggregation = auditableAggregation(found.config.strategy);
  const scoring = auditableScoring(found.config.scorer);
  const needsData = scoring.ok && scoring.value.name !== "samples" && rounds.length > 0;
  const data = needsData ? await evaluationData(found.config, options.evaluation) : undefined;
  const fetch = async (hash: Hex) => {
    const bytes = await found.get(hash);
    if (bytes === undefined) throw new FedLedgerError("OBJECT_NOT_FOUND", `The ${options.source.kind} lacks an object`, { details: hash });
    return bytes;
  };
  const audits: RoundAudit[] = [];
  for (const round of rounds) audits.push(await auditRound({ round, spec, aggregation, scoring, evaluationData: data, fetch }));
  return {
    ledger: reader.ledger,
    chainId,
    source: options.source.kind,
    strategy: found.config.strategy,
    scorer: found.config.scorer,
    rounds: audits,
    passed: audits.every((r) => r.aggregate.status === "ok" && r.scores.status === "ok"),
  };
}

type Failure = { round: number; what: "aggregate" | "scores"; check: Exclude<RoundAudit["aggregate"], { status: "ok" }> };

const describeFailure = (f: Failure) => `round ${f.round} ${f.what}: [${f.check.code}] ${f.check.message}`;

function failures(result: AuditResult): Failure[] {
  return result.rounds.flatMap((r) =>
    (["aggregate", "scores"] as const).flatMap((what) => {
      const check = r[what];
      return check.status === "ok" ? [] : [{ round: r.round, what, check }];
    }),
  );
}

/**
 * The error the CLI exits with when the audit did not pass: AUDIT_MISMATCH when anything
 * re-derived differs from the chain, else the first failing check's code (OBJECT_NOT_FOUND,
 * HASH_MISMATCH, AUDIT_UNSUPPORTED, ...). Undefined when it passed.
 */
export function auditFailure(result: AuditResult): FedLedgerError | undefined {
  const failed = failures(result);
  const first = failed.find((f) => f.check.status === "mismatch") ?? failed[0];
  if (first === undefined) return undefined;
  const rounds = [...new Set(failed.map((f) => f.round))];
  // The report (the table and each failure) is the command's output; this is its verdict.
  return new FedLedgerError(first.check.code, `The audit failed: ${rounds.length} of ${result.rounds.length} round(s) did not re-derive to what the chain records`, {
    details: `round(s) ${rounds.join(", ")}; see the report above`,
  });
}

function label(check: RoundAudit["aggregate"]): string {
  switch (check.status) {
    case "ok":
      return "OK";
    case "mismatch":
      return "MISMATCH";
    case "unsupported":
      return "UNSUPPORTED";
    case "error":
      return check.code;
  }
}

export function formatAudit(result: AuditResult): string {
  const header = formatFields([
    ["Ledger", `${result.ledger} (chain ${result.chainId})`],
    ["Source", result.source],
    ["Strategy", JSON.stringify(result.strategy)],
    ["Scorer", JSON.stringify(result.scorer)],
  ]);
  if (result.rounds.length === 0) return `${header}\n\nNo round is recorded yet: nothing to audit.`;
  const table = formatTable(
    ["Round", "Base model", "Updates", "Aggregate", "Scores"],
    result.rounds.map((r) => [String(r.round), r.baseModelHash, String(r.updates), label(r.aggregate), label(r.scores)]),
    ["right", "left", "right", "left", "left"],
  );
  const verdict = result.passed
    ? `All ${result.rounds.length} round(s) re-derived: every aggregate and score matches the chain.`
    : failures(result).map(describeFailure).join("\n");
  return [header, table, verdict].join("\n\n");
}
