import { concatHex, hexToBytes } from "viem";
import { z } from "zod";
import type { Dataset } from "../data/Dataset.ts";
import { buildMerkleTree } from "../dataset/merkle.ts";
import { datasetRecordHashes } from "../dataset/recordHash.ts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { contentHashSync } from "../protocol/hashing/contentHash.ts";
import { bytes32Schema } from "../protocol/messages.ts";

export const AUDIT_CONFIG_VERSION = 1;

/** A strategy or scorer config as the coordinator resolved it: `name` and its parameters. */
const namedConfigSchema = z.looseObject({ name: z.string().min(1) });
export type NamedConfig = z.output<typeof namedConfigSchema>;

/** The coordinator's `evaluation` config, defaults resolved (its evaluationData.ts). */
const evaluationSettingsSchema = z.strictObject({
  dataset: z.string().min(1),
  labelColumn: z.string().optional(),
  featureColumns: z.string().optional(),
  header: z.boolean().optional(),
  delimiter: z.string().optional(),
  testFraction: z.number().gt(0).max(1),
  seed: z.int().min(0),
});
export type EvaluationSettings = z.output<typeof evaluationSettingsSchema>;

/** Which evaluation samples a coordinator used, in which order. */
const evaluationDigestSchema = z.strictObject({
  numSamples: z.int().min(0),
  /** The dataset commitment (datasetFingerprint): the set of records. */
  fingerprint: bytes32Schema,
  /** SHA-256 of the record hashes (recordHash.ts) concatenated in evaluation order: the loss sums in that order. */
  recordsDigest: bytes32Schema,
});
export type EvaluationDigest = z.output<typeof evaluationDigestSchema>;

/**
 * `audit-config.json`, written by the coordinator beside `model-spec.json`: what an
 * auditor needs besides the stored objects to re-derive aggregates and scores.
 */
export const auditConfigSchema = z.strictObject({
  version: z.literal(AUDIT_CONFIG_VERSION),
  /** The `strategy` config, defaults resolved. */
  strategy: namedConfigSchema,
  /** The scorer actually used (the config's, else the default for the evaluation data at hand). */
  scorer: namedConfigSchema,
  /** The `evaluation` config, or null when there was none (evaluation data passed in, or none). */
  evaluation: evaluationSettingsSchema.nullable(),
  /** The evaluation data actually used, or null without any. */
  evaluationData: evaluationDigestSchema.nullable(),
});
export type AuditConfig = z.output<typeof auditConfigSchema>;

/** Record hashes, set commitment and order digest of `data`. */
export function evaluationDigest(data: Dataset): EvaluationDigest {
  const hashes = datasetRecordHashes(data);
  return {
    numSamples: data.numSamples,
    fingerprint: buildMerkleTree(hashes).root,
    recordsDigest: contentHashSync(hashes.length === 0 ? new Uint8Array() : hexToBytes(concatHex(hashes))),
  };
}

/** `value` as its JSON reads back: absent instead of undefined fields, so it compares as the file will. */
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The audit config of a coordinator that runs with these (resolved) settings. */
export function createAuditConfig(p: { strategy: NamedConfig; scorer: NamedConfig; evaluation?: EvaluationSettings | undefined; evaluationData?: Dataset | undefined }): AuditConfig {
  return {
    version: AUDIT_CONFIG_VERSION,
    strategy: asJson(p.strategy),
    scorer: asJson(p.scorer),
    evaluation: p.evaluation === undefined ? null : asJson(p.evaluation),
    evaluationData: p.evaluationData === undefined ? null : evaluationDigest(p.evaluationData),
  };
}

/** Validates an audit config read from a file; INVALID_CONFIG listing every problem. */
export function parseAuditConfig(input: unknown, where: string): AuditConfig {
  const parsed = auditConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new FedLedgerError("INVALID_CONFIG", `The audit config ${where} is not valid`, { details: problems.join("\n") });
  }
  return parsed.data;
}

/**
 * Checks that `data` is the evaluation data the coordinator used: INVALID_DATASET when the
 * records differ (another file), or when the same records come in another order (the
 * validation loss sums in order, so the scores could differ in their last digits).
 */
export function checkEvaluationData(data: Dataset, recorded: EvaluationDigest): void {
  const actual = evaluationDigest(data);
  if (actual.fingerprint !== recorded.fingerprint.toLowerCase() || actual.numSamples !== recorded.numSamples) {
    throw new FedLedgerError("INVALID_DATASET", "This is not the coordinator's evaluation data: its fingerprint differs from the recorded one", {
      details: `${actual.numSamples} samples, fingerprint ${actual.fingerprint}; recorded ${recorded.numSamples} samples, ${recorded.fingerprint}`,
    });
  }
  if (actual.recordsDigest !== recorded.recordsDigest.toLowerCase()) {
    throw new FedLedgerError("INVALID_DATASET", "The evaluation data holds the coordinator's records in another order", {
      details: `records digest ${actual.recordsDigest}, recorded ${recorded.recordsDigest}; use the file as the coordinator read it`,
    });
  }
}
