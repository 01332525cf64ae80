import { readFile } from "node:fs/promises";
import { Packr } from "msgpackr";
import type { Hex } from "viem";
import { z } from "zod";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { addressSchema, binarySchema, bytes32Schema, signatureSchema } from "../protocol/messages.ts";
import { releaseApprovalFileSchema } from "../protocol/releaseApproval.ts";
import { dsseEnvelopeSchema } from "../provenance/dsseEnvelope.ts";
import { auditConfigSchema } from "./auditConfig.ts";

/**
 * An audit bundle: one file with what an auditor needs to re-derive a ledger's recorded
 * rounds away from the coordinator (`fedledger-operator export-audit` writes it,
 * `fedledger audit --bundle` and `fedledger model export --bundle` read it).
 *
 * Format: one MessagePack map (plain msgpack, no extensions: any msgpack library reads it)
 * with the fields of {@link auditBundleSchema}. `format` and `version` come first; a reader
 * refuses a version it does not know. Big integers (sample counts, scores, block numbers)
 * are decimal strings. `objects` holds every model and update the rounds name, each as the
 * canonically encoded bytes whose SHA-256 is its hash. The chain stays the reference: an
 * auditor compares what it re-derives from the bundle with the ledger's events, not with
 * the bundle's own round metadata, which is there for reading.
 *
 * Version 2 adds provenance: each round's signed statement (a DSSE envelope, whose
 * payload digest the ledger records) and the coordinator's event log (its JSON Lines text).
 * Version 1 bundles are refused: they cannot show either; export them again. Optional
 * fields: `releases` (each release's approval signatures) and `proofs` (dataset proofs).
 */
export const AUDIT_BUNDLE_FORMAT = "fedledger-audit-bundle";
export const AUDIT_BUNDLE_VERSION = 2;

const decimalSchema = z.string().regex(/^\d{1,78}$/, "expected a decimal integer");

const bundledUpdateSchema = z.strictObject({
  participant: addressSchema,
  updateHash: bytes32Schema,
  numSamples: decimalSchema,
  score: decimalSchema,
  /** The participant's EIP-712 signature over the update, as the coordinator stored it (null when the store has no row). */
  signature: signatureSchema.nullable(),
  datasetCommitment: bytes32Schema.nullable(),
});

const bundledRoundSchema = z.strictObject({
  round: z.int().positive(),
  baseModelHash: bytes32Schema,
  aggregateModelHash: bytes32Schema,
  updatesDigest: bytes32Schema,
  /** The digest of the round's statement, as the ledger records it. */
  statementDigest: bytes32Schema,
  /** The signed statement with that digest, from the coordinator's store; null when the store has none. */
  statement: dsseEnvelopeSchema.nullable(),
  transactionHash: bytes32Schema,
  blockNumber: decimalSchema,
  /** The coordinator's evaluation of the aggregate (loss, accuracy, ...), when it kept one. */
  metrics: z.record(z.string(), z.number()).nullable(),
  updates: z.array(bundledUpdateSchema),
});

/** A release's approvals as the recording transaction passed them (the ledger's event lists only the approvers). */
const bundledReleaseSchema = z.strictObject({
  releaseId: decimalSchema,
  transactionHash: bytes32Schema,
  approvals: z.array(z.strictObject({ approver: addressSchema, signature: releaseApprovalFileSchema.shape.signature })).max(256),
});

/** A `fedledger prove` file, with the participant whose registered commitment it is checked against. */
const bundledProofSchema = z.strictObject({ participant: addressSchema, proof: z.record(z.string(), z.unknown()) });

export const auditBundleSchema = z.strictObject({
  format: z.literal(AUDIT_BUNDLE_FORMAT),
  version: z.literal(AUDIT_BUNDLE_VERSION),
  chainId: z.int().positive(),
  ledger: addressSchema,
  genesisModelHash: bytes32Schema,
  /** The coordinator's `model-spec.json`. */
  modelSpec: z.record(z.string(), z.unknown()),
  /** The coordinator's `audit-config.json`. */
  auditConfig: auditConfigSchema,
  rounds: z.array(bundledRoundSchema),
  /** The coordinator's event log (`event-log.jsonl`), as it was; null when the store has none. */
  eventLog: z.string().nullable(),
  /** Each recorded release's approvals (optional: without it, an audit reads them from the release's transaction). */
  releases: z.array(bundledReleaseSchema).optional(),
  /** Dataset inclusion and exclusion proofs to verify with the rest (optional). */
  proofs: z.array(bundledProofSchema).optional(),
  objects: z.array(z.strictObject({ hash: bytes32Schema, bytes: binarySchema })),
});
export type AuditBundle = z.output<typeof auditBundleSchema>;
export type BundledRound = AuditBundle["rounds"][number];

const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true });

function invalid(problems: z.ZodError): FedLedgerError {
  return new FedLedgerError("DECODE_ERROR", "Not a valid audit bundle", {
    details: problems.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("\n"),
  });
}

/** The bundle's bytes. Throws DECODE_ERROR when `bundle` does not match the format. */
export function encodeAuditBundle(bundle: Omit<AuditBundle, "format" | "version">): Uint8Array {
  const checked = auditBundleSchema.safeParse({ format: AUDIT_BUNDLE_FORMAT, version: AUDIT_BUNDLE_VERSION, ...bundle });
  if (!checked.success) throw invalid(checked.error);
  return packr.pack(checked.data);
}

/** Decodes and validates a bundle. Throws DECODE_ERROR for anything else, naming an unknown version. */
export function decodeAuditBundle(bytes: Uint8Array): AuditBundle {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (cause) {
    throw new FedLedgerError("DECODE_ERROR", "Not an audit bundle: not MessagePack", { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  const head = z.looseObject({ format: z.literal(AUDIT_BUNDLE_FORMAT), version: z.unknown() }).safeParse(value);
  if (!head.success) throw new FedLedgerError("DECODE_ERROR", `Not an audit bundle: no "format": "${AUDIT_BUNDLE_FORMAT}"`);
  if (head.data.version === 1) {
    throw new FedLedgerError("DECODE_ERROR", "Audit bundle version 1 predates round statements and the event log", {
      details: `this SDK reads version ${AUDIT_BUNDLE_VERSION}: export the bundle again with \`fedledger-operator export-audit\``,
    });
  }
  if (head.data.version !== AUDIT_BUNDLE_VERSION) {
    throw new FedLedgerError("DECODE_ERROR", `Audit bundle version ${JSON.stringify(head.data.version)} is not supported`, { details: `this SDK reads version ${AUDIT_BUNDLE_VERSION}` });
  }
  const parsed = auditBundleSchema.safeParse(value);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

/** Reads a bundle file. Throws INVALID_CONFIG when it cannot be read, DECODE_ERROR when it is not a bundle. */
export async function readAuditBundle(file: string): Promise<AuditBundle> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new FedLedgerError("INVALID_CONFIG", `Cannot read the audit bundle ${file}`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  return decodeAuditBundle(bytes);
}

/**
 * The bundle's object `hash`, re-hashed; undefined when the bundle lacks it. Throws
 * HASH_MISMATCH for bytes that do not match their hash.
 */
export function bundledObjects(bundle: AuditBundle): (hash: Hex) => Promise<Uint8Array | undefined> {
  const objects = new Map(bundle.objects.map((o) => [o.hash.toLowerCase(), o.bytes]));
  return async (hash) => {
    const bytes = objects.get(hash.toLowerCase());
    if (bytes === undefined) return undefined;
    const actual = await contentHash(bytes);
    if (actual !== hash.toLowerCase()) throw new FedLedgerError("HASH_MISMATCH", "A bundled object does not match its hash", { details: `${hash} hashes to ${actual}` });
    return bytes;
  };
}
