import { join } from "node:path";
import type { Address, Hex } from "viem";
import { type AuditBundle, bundledObjects, readAuditBundle } from "../../audit/auditBundle.ts";
import { type AuditConfig, checkEvaluationData, parseAuditConfig } from "../../audit/auditConfig.ts";
import { auditableAggregation, auditableScoring } from "../../audit/auditMethods.ts";
import { auditProofs, type BundledProof, type ProofAudit } from "../../audit/auditProofs.ts";
import { auditReleases, type ReleaseApprovalEvidence, type ReleaseAudit } from "../../audit/auditReleases.ts";
import { type AuditCheck, auditRound, type RoundAudit } from "../../audit/auditRound.ts";
import type { BlockRange } from "../../chain/blockRange.ts";
import { withChainErrors } from "../../chain/chainError.ts";
import type { LedgerReader } from "../../chain/ledgerClients.ts";
import { type RecordedRound, readRecordedRounds } from "../../chain/readRecordedRounds.ts";
import type { Dataset } from "../../data/Dataset.ts";
import { holdOut } from "../../data/holdOut.ts";
import { FedLedgerError, isFedLedgerError } from "../../errors/FedLedgerError.ts";
import { readJsonFile, readStoredObject, STORE_AUDIT_CONFIG_FILE, STORE_MODEL_SPEC_FILE } from "../../modelFiles/coordinatorStore.ts";
import type { DsseEnvelope } from "../../provenance/dsseEnvelope.ts";
import { type EventLogVerification, verifyEventLog } from "../../provenance/eventLog.ts";
import { coordinatorAuthority } from "../../provenance/signerAuthority.ts";
import { readStoredEventLog, readStoredStatement } from "../../provenance/storedStatements.ts";
import { checkLogAnchor, checkRoundStatement } from "../../provenance/verifyRoundStatement.ts";
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
  /** The evaluation data, already loaded (a program that holds it); checked against the recorded fingerprint like any other. */
  evaluationData?: Dataset;
  range?: BlockRange;
};

/** A round's audit: re-derivation (auditRound) and provenance (its signed statement and the event log's anchor). */
export type RoundProvenanceAudit = RoundAudit & {
  /** The statement digest the ledger records for the round. */
  readonly statementDigest: Hex;
  /** The signed statement: signature, signer's authority, digest, and what it says against the chain (checkRoundStatement). */
  readonly statement: AuditCheck;
  /** The event log holds, at the seq the statement names, the entry whose hash it carries (checkLogAnchor). */
  readonly logAnchor: AuditCheck;
  /** Who signed the statement and why that key counts; undefined when the signature did not verify. */
  readonly signer: { readonly address: Address; readonly basis: string } | undefined;
  /** The event log entry the statement anchors (its seq); undefined without a verified statement. */
  readonly eventLogSeq: number | undefined;
};

export type EventLogAudit = {
  /** The whole log's chain: hashes, prev links and seqs (verifyEventLog). */
  readonly check: AuditCheck;
  /** Entries that verified. */
  readonly entries: number;
  /** The newest entry a verified statement anchors; later entries are not yet anchored on-chain. */
  readonly anchoredThrough: number | null;
};

export type AuditResult = {
  readonly ledger: Address;
  readonly chainId: number;
  readonly source: AuditSource["kind"];
  readonly strategy: AuditConfig["strategy"];
  readonly scorer: AuditConfig["scorer"];
  readonly eventLog: EventLogAudit;
  readonly rounds: readonly RoundProvenanceAudit[];
  /** Every model release the ledger records: its model and its approvals (auditReleases). */
  readonly releases: readonly ReleaseAudit[];
  /** The dataset proofs the bundle carries, each against the participant's registered commitment (auditProofs). */
  readonly proofs: readonly ProofAudit[];
  /** Every round's aggregate, scores, statement and log anchor check out, and so do the event log, the releases and the proofs. */
  readonly passed: boolean;
};

type Material = {
  modelSpec: unknown;
  config: AuditConfig;
  get: (hash: Hex) => Promise<Uint8Array | undefined>;
  /** The signed statement with this digest; undefined when the source has none. Throws what reading it throws. */
  statement: (statementDigest: Hex) => Promise<DsseEnvelope | undefined>;
  /** The event log's text; undefined when the source has none. */
  eventLog: string | undefined;
  /** Release approvals the bundle carries, by release id (the others are read from their transactions). */
  releaseApprovals?: ReadonlyMap<bigint, readonly ReleaseApprovalEvidence[]>;
  proofs: readonly BundledProof[];
  bundle?: AuditBundle;
};

async function material(source: AuditSource): Promise<Material> {
  if (source.kind === "bundle") {
    const bundle = await readAuditBundle(source.file);
    const statements = new Map(bundle.rounds.flatMap((r) => (r.statement === null ? [] : [[r.statementDigest.toLowerCase(), r.statement] as const])));
    return {
      modelSpec: bundle.modelSpec,
      config: bundle.auditConfig,
      get: bundledObjects(bundle),
      statement: async (digest) => statements.get(digest.toLowerCase()),
      eventLog: bundle.eventLog ?? undefined,
      releaseApprovals: new Map((bundle.releases ?? []).map((r) => [BigInt(r.releaseId), r.approvals] as const)),
      proofs: bundle.proofs ?? [],
      bundle,
    };
  }
  const configFile = join(source.dir, STORE_AUDIT_CONFIG_FILE);
  const [modelSpec, config, eventLog] = await Promise.all([
    readJsonFile(join(source.dir, STORE_MODEL_SPEC_FILE), "the model spec"),
    readJsonFile(configFile, "the audit config"),
    readStoredEventLog(source.dir),
  ]);
  return {
    modelSpec,
    config: parseAuditConfig(config, configFile),
    get: (hash) => readStoredObject(source.dir, hash),
    statement: (digest) => readStoredStatement(source.dir, digest),
    eventLog,
    proofs: [],
  };
}

/**
 * The coordinator's evaluation data, rebuilt as it loaded it (the configured hold-out,
 * when it had an `evaluation` config) and checked against the recorded fingerprint and
 * order. Throws INVALID_CONFIG when there is none to take, INVALID_DATASET when it is not
 * the recorded data, and what the loaders throw.
 */
async function evaluationData(config: AuditConfig, override: AuditOptions["evaluation"], inMemory: Dataset | undefined): Promise<Dataset> {
  const recorded = config.evaluationData;
  if (recorded === null) throw new FedLedgerError("INVALID_CONFIG", "The audit config records no evaluation data, which its scorer needs");
  if (inMemory !== undefined) {
    checkEvaluationData(inMemory, recorded);
    return inMemory;
  }
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

/** The round's signed statement checked against the chain (checkRoundStatement), and its anchor in the log. */
async function auditProvenance(
  round: RecordedRound,
  found: Material,
  log: EventLogVerification | undefined,
  context: { reader: LedgerReader; chainId: number },
): Promise<Pick<RoundProvenanceAudit, "statement" | "logAnchor" | "signer" | "statementDigest" | "eventLogSeq">> {
  const { statementDigest } = round;
  let envelope: DsseEnvelope | undefined;
  try {
    envelope = await found.statement(statementDigest);
  } catch (error) {
    if (!isFedLedgerError(error)) throw error;
    const check: AuditCheck = { status: "error", code: error.code, message: `${error.shortMessage}${error.details ? ` (${error.details})` : ""}` };
    return { statementDigest, statement: check, logAnchor: checkLogAnchor(undefined, log), signer: undefined, eventLogSeq: undefined };
  }
  let signer: RoundProvenanceAudit["signer"];
  const { check, verified } = await checkRoundStatement({
    round: { ...round, statementDigest },
    chainId: context.chainId,
    ledger: context.reader.ledger,
    envelope,
    authority: async (address) => {
      const authority = await coordinatorAuthority(context.reader, round, address);
      if (authority.ok) signer = { address, basis: authority.basis };
      return authority;
    },
  });
  return { statementDigest, statement: check, logAnchor: checkLogAnchor(verified?.statement, log), signer, eventLogSeq: verified?.statement.predicate.eventLog.seq };
}

/** The whole log's chain, as an audit check; undefined log: none in the source (a failure once rounds are recorded). */
function auditEventLog(log: EventLogVerification | undefined, rounds: readonly RoundProvenanceAudit[]): EventLogAudit {
  const anchoredSeqs = rounds.flatMap((r) => (r.logAnchor.status === "ok" && r.eventLogSeq !== undefined ? [r.eventLogSeq] : []));
  const anchoredThrough = anchoredSeqs.length > 0 ? Math.max(...anchoredSeqs) : null;
  if (log === undefined) {
    const check: AuditCheck = rounds.length === 0 ? { status: "ok" } : { status: "error", code: "OBJECT_NOT_FOUND", message: "the source has no event log" };
    return { check, entries: 0, anchoredThrough: null };
  }
  if (log.problem) return { check: { status: "mismatch", code: "EVENT_LOG_CORRUPT", message: `line ${log.problem.line} (${log.problem.kind}): ${log.problem.message}` }, entries: log.entries.length, anchoredThrough };
  return { check: { status: "ok" }, entries: log.entries.length, anchoredThrough };
}

/**
 * `fedledger audit`: reads every RoundRecorded and UpdateRecorded event, re-derives each
 * round's aggregate and scores from the stored base model and signed updates with the
 * coordinator's recorded strategy and scorer (see auditRound), and compares them with the
 * chain. It also checks provenance: each round's signed statement (its signature, that
 * its signer could sign for the coordinator, that its digest is the one the ledger
 * records, and that it says what the chain records: subject, base, accepted updates), the
 * event log's hash chain, and that each statement's log head is in the log. Each round's
 * checks say what failed; auditFailure turns them into the CLI's error.
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
  const data = needsData ? await evaluationData(found.config, options.evaluation, options.evaluationData) : undefined;
  const fetch = async (hash: Hex) => {
    const bytes = await found.get(hash);
    if (bytes === undefined) throw new FedLedgerError("OBJECT_NOT_FOUND", `The ${options.source.kind} lacks an object`, { details: hash });
    return bytes;
  };
  const log = found.eventLog === undefined ? undefined : verifyEventLog(found.eventLog);
  const audits: RoundProvenanceAudit[] = [];
  for (const round of rounds) {
    const derived = await auditRound({ round, spec, aggregation, scoring, evaluationData: data, fetch });
    audits.push({ ...derived, ...(await auditProvenance(round, found, log, { reader, chainId })) });
  }
  const eventLog = auditEventLog(log, audits);
  const releases = await auditReleases({
    reader,
    chainId,
    rounds,
    ...(found.releaseApprovals === undefined ? {} : { bundled: found.releaseApprovals }),
    ...(options.range === undefined ? {} : { range: options.range }),
  });
  const proofs = await auditProofs(reader, found.proofs, options.range);
  return {
    ledger: reader.ledger,
    chainId,
    source: options.source.kind,
    strategy: found.config.strategy,
    scorer: found.config.scorer,
    eventLog,
    rounds: audits,
    releases,
    proofs,
    passed:
      eventLog.check.status === "ok" &&
      audits.every((r) => ROUND_CHECKS.every((what) => r[what].status === "ok")) &&
      releases.every((r) => r.model.status === "ok" && r.approvals.status === "ok") &&
      proofs.every((p) => p.check.status === "ok"),
  };
}

const ROUND_CHECKS = ["aggregate", "scores", "statement", "logAnchor"] as const;
type RoundCheck = (typeof ROUND_CHECKS)[number];
const CHECK_LABELS: Record<RoundCheck, string> = { aggregate: "aggregate", scores: "scores", statement: "statement", logAnchor: "log anchor" };

/** A failed check: of what (`kind`, and which one: a round number, a release id, a proof's index), and its label. */
type Failure = { kind: "round" | "event log" | "release" | "proof"; id: string; what: string; check: Exclude<AuditCheck, { status: "ok" }> };

const describeFailure = (f: Failure) => `${f.what}: [${f.check.code}] ${f.check.message}`;

function failures(result: AuditResult): Failure[] {
  const log = result.eventLog.check;
  const failing = <T>(kind: Failure["kind"], items: readonly T[], checks: (item: T, index: number) => readonly (readonly [string, string, AuditCheck])[]): Failure[] =>
    items.flatMap((item, index) => checks(item, index).flatMap(([id, what, check]) => (check.status === "ok" ? [] : [{ kind, id, what, check }])));
  return [
    ...(log.status === "ok" ? [] : [{ kind: "event log", id: "", what: "event log", check: log } as const]),
    ...failing("round", result.rounds, (r) => ROUND_CHECKS.map((what) => [String(r.round), `round ${r.round} ${CHECK_LABELS[what]}`, r[what]] as const)),
    ...failing("release", result.releases, (r) => [
      [String(r.releaseId), `release ${r.releaseId} model`, r.model],
      [String(r.releaseId), `release ${r.releaseId} approvals`, r.approvals],
    ]),
    ...failing("proof", result.proofs, (p, i) => [[String(i), `proof ${i + 1} (${p.participant}${p.recordHash === null ? "" : `, record ${p.recordHash}`})`, p.check]]),
  ];
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
  const ids = (kind: Failure["kind"]) => [...new Set(failed.filter((f) => f.kind === kind).map((f) => f.id))];
  const [rounds, releases, proofs] = [ids("round"), ids("release").length, ids("proof").length];
  // The report (the table and each failure) is the command's output; this is its verdict.
  const what = [
    ...(rounds.length > 0 ? [`${rounds.length} of ${result.rounds.length} round(s) did not check out against the chain`] : []),
    ...(failed.some((f) => f.kind === "event log") ? ["the event log fails verification"] : []),
    ...(releases > 0 ? [`${releases} of ${result.releases.length} release(s) did not check out`] : []),
    ...(proofs > 0 ? [`${proofs} of ${result.proofs.length} dataset proof(s) did not verify`] : []),
  ];
  return new FedLedgerError(first.check.code, `The audit failed: ${what.join("; ")}`, {
    details: `${rounds.length > 0 ? `round(s) ${rounds.join(", ")}; ` : ""}see the report above`,
  });
}

function label(check: AuditCheck): string {
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
  const signers = [...new Map(result.rounds.flatMap((r) => (r.signer ? [[r.signer.address, r.signer.basis] as const] : []))).entries()];
  const { eventLog } = result;
  const header = formatFields([
    ["Ledger", `${result.ledger} (chain ${result.chainId})`],
    ["Source", result.source],
    ["Strategy", JSON.stringify(result.strategy)],
    ["Scorer", JSON.stringify(result.scorer)],
    [
      "Event log",
      eventLog.check.status === "ok"
        ? `${eventLog.entries} entries, hash chain intact${eventLog.anchoredThrough === null ? "" : `; anchored on-chain through entry ${eventLog.anchoredThrough}`}`
        : `${label(eventLog.check)}: ${eventLog.check.message}`,
    ],
    ...signers.map(([address, basis]) => ["Statements signed by", `${address}: ${basis}`] as const),
  ]);
  if (result.rounds.length === 0) return `${header}\n\nNo round is recorded yet: nothing to audit.`;
  const table = formatTable(
    ["Round", "Base model", "Updates", "Aggregate", "Scores", "Statement", "Log anchor"],
    result.rounds.map((r) => [String(r.round), r.baseModelHash, String(r.updates), label(r.aggregate), label(r.scores), label(r.statement), label(r.logAnchor)]),
    ["right", "left", "right", "left", "left", "left", "left"],
  );
  const releases =
    result.releases.length === 0
      ? []
      : [
          formatTable(
            ["Release", "Tag", "Round", "Approvers", "Signatures from", "Status", "Model", "Approvals"],
            result.releases.map((r) => [String(r.releaseId), r.tag, String(r.round), String(r.approvers.length), r.approvalsFrom ?? "-", r.status, label(r.model), label(r.approvals)]),
            ["right", "left", "right", "right", "left", "left", "left", "left"],
          ),
        ];
  const proofs =
    result.proofs.length === 0
      ? []
      : [
          formatTable(
            ["Proof", "Participant", "Kind", "Record hash", "Result"],
            result.proofs.map((p, i) => [String(i + 1), p.participant, p.kind ?? "-", p.recordHash ?? "-", label(p.check)]),
            ["right", "left", "left", "left", "left"],
          ),
        ];
  const also = [
    ...(result.releases.length > 0 ? [`${result.releases.length} release(s) name their round's model and carry valid approvals by approvers holding the role`] : []),
    ...(result.proofs.length > 0 ? [`${result.proofs.length} dataset proof(s) verify against the registered commitments`] : []),
  ];
  const verdict = result.passed
    ? `All ${result.rounds.length} round(s) check out: every aggregate and score re-derives, every signed statement matches the chain, and the event log is intact.${also.length > 0 ? ` ${also.join("; ")}.` : ""}`
    : failures(result).map(describeFailure).join("\n");
  return [header, table, ...releases, ...proofs, verdict].join("\n\n");
}

/** The outcome of {@link auditBundle}: what a program (the demo) reports. */
export type BundleAudit = {
  readonly passed: boolean;
  readonly roundsChecked: number;
  /** One line per failed check (empty when it passed). */
  readonly problems: readonly string[];
  readonly result: AuditResult;
};

/**
 * `fedledger audit --bundle FILE` as a function, the same code path: audits the bundle
 * against the chain `reader` reads. Throws what auditCommand throws (a file that is not a
 * bundle, a bundle of another ledger, the wrong evaluation data, an unreadable chain).
 */
export async function auditBundle(p: { file: string; reader: LedgerReader } & Omit<AuditOptions, "source">): Promise<BundleAudit> {
  const { file, reader, ...options } = p;
  const result = await auditCommand({ ...options, source: { kind: "bundle", file } }, { reader });
  return { passed: result.passed, roundsChecked: result.rounds.length, problems: failures(result).map(describeFailure), result };
}
