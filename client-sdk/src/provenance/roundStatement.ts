import { type Address, getAddress, type Hex } from "viem";
import { z } from "zod";
import { auditConfigSchema, type EvaluationDigest, type NamedConfig } from "../audit/auditConfig.ts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { contentHashSync } from "../protocol/hashing/contentHash.ts";
import { addressSchema, bytes32Schema, signatureSchema } from "../protocol/messages.ts";
import { canonicalJson, canonicalJsonBytes, sha256Value } from "./canonicalJson.ts";
import type { EventLogHead } from "./eventLog.ts";

/**
 * A round statement: an in-toto Statement v1 whose subject is the round's aggregate model
 * and whose predicate says how it was made: the base model, the accepted updates in their
 * recorded order with their signatures and scores, the refused ones with their reasons,
 * the strategy, scorer, safety net and training settings, the validation data's
 * commitment and metrics, the coordinator's key and software, and the event log's head.
 * No wall-clock time: the same round gives the same bytes.
 *
 * Its bytes are its canonical JSON (RFC 8785); its digest, SHA-256 of those bytes, is what
 * the ledger records with the round (RoundRecorded.statementDigest).
 */
export const IN_TOTO_STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const ROUND_PREDICATE_TYPE = "https://fedledger.dev/attestations/round/v1";

const sha256Schema = z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits") });
const decimalSchema = z.string().regex(/^(0|[1-9]\d{0,77})$/, "expected a decimal integer");
const reasonSchema = z.string().min(1).max(64);
const jsonObjectSchema = z.record(z.string(), z.unknown());

const acceptedUpdateSchema = z.strictObject({
  digest: sha256Schema,
  participant: addressSchema,
  numSamples: z.int().positive(),
  score: decimalSchema,
  signature: signatureSchema,
  datasetCommitment: bytes32Schema,
});

export const roundPredicateSchema = z.strictObject({
  chainId: z.int().positive(),
  ledger: addressSchema,
  round: z.int().positive(),
  baseModel: sha256Schema,
  /** In the order the ledger records them (ascending participant). */
  updates: z.array(acceptedUpdateSchema),
  refused: z.strictObject({
    /** Acknowledged updates left out of the round (by the safety net, the strategy or the ledger). */
    updates: z.array(z.strictObject({ digest: sha256Schema, participant: addressSchema, numSamples: z.int().positive(), reason: reasonSchema })),
    /** Submissions refused before an ack, counted per participant and reason (each is in the event log). */
    submissions: z.array(z.strictObject({ participant: addressSchema, reason: reasonSchema, count: z.int().positive() })),
  }),
  strategy: auditConfigSchema.shape.strategy,
  scorer: auditConfigSchema.shape.scorer,
  safety: jsonObjectSchema,
  training: jsonObjectSchema,
  model: z.strictObject({ spec: jsonObjectSchema, dtype: z.string().min(1) }),
  validation: z.strictObject({
    data: auditConfigSchema.shape.evaluationData,
    metrics: z.strictObject({ loss: z.number(), accuracy: z.number() }).nullable(),
  }),
  coordinator: z.strictObject({ address: addressSchema, software: z.strictObject({ name: z.string().min(1), version: z.string().min(1) }) }),
  eventLog: z.strictObject({ seq: z.int().min(0), sha256: sha256Schema.shape.sha256 }),
});

export const roundStatementSchema = z.strictObject({
  _type: z.literal(IN_TOTO_STATEMENT_TYPE),
  subject: z.tuple([z.strictObject({ name: z.string().min(1), digest: sha256Schema })]),
  predicateType: z.literal(ROUND_PREDICATE_TYPE),
  predicate: roundPredicateSchema,
});
export type RoundStatement = z.output<typeof roundStatementSchema>;
export type RoundPredicate = RoundStatement["predicate"];

export type RoundStatementParameters = {
  chainId: number;
  ledger: Address;
  round: number;
  baseModelHash: Hex;
  aggregateModelHash: Hex;
  /** In the recorded (canonical) order. */
  updates: readonly { participant: Address; updateHash: Hex; numSamples: number; score: bigint; signature: Hex; datasetCommitment: Hex }[];
  refusedUpdates: readonly { participant: Address; updateHash: Hex; numSamples: number; reason: string }[];
  refusedSubmissions: readonly { participant: Address; reason: string; count: number }[];
  strategy: NamedConfig;
  scorer: NamedConfig;
  safety: Record<string, unknown>;
  training: Record<string, unknown>;
  model: { spec: unknown; dtype: string };
  validationData: EvaluationDigest | null;
  metrics: { loss: number; accuracy: number } | null;
  coordinator: Address;
  software: { name: string; version: string };
  eventLogHead: EventLogHead;
};

const digestOf = (hash: Hex) => ({ sha256: sha256Value(hash) });
/** JSON as it reads back: no undefined fields. */
const asJson = (value: unknown): Record<string, unknown> => JSON.parse(canonicalJson(value)) as Record<string, unknown>;
const byParticipantThenReason = (a: { participant: Address; reason: string }, b: { participant: Address; reason: string }) =>
  BigInt(a.participant) === BigInt(b.participant) ? (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0) : BigInt(a.participant) < BigInt(b.participant) ? -1 : 1;

/**
 * The statement of one round, checked against its schema. Refusals are sorted (participant,
 * then reason) so the bytes do not depend on the order they happened in.
 */
export function createRoundStatement(p: RoundStatementParameters): RoundStatement {
  const statement = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: `round-${p.round}-aggregate-model`, digest: digestOf(p.aggregateModelHash) }],
    predicateType: ROUND_PREDICATE_TYPE,
    predicate: {
      chainId: p.chainId,
      ledger: getAddress(p.ledger),
      round: p.round,
      baseModel: digestOf(p.baseModelHash),
      updates: p.updates.map((u) => ({
        digest: digestOf(u.updateHash),
        participant: getAddress(u.participant),
        numSamples: u.numSamples,
        score: u.score.toString(),
        signature: u.signature.toLowerCase(),
        datasetCommitment: u.datasetCommitment.toLowerCase(),
      })),
      refused: {
        updates: [...p.refusedUpdates]
          .sort(byParticipantThenReason)
          .map((u) => ({ digest: digestOf(u.updateHash), participant: getAddress(u.participant), numSamples: u.numSamples, reason: u.reason })),
        submissions: [...p.refusedSubmissions].sort(byParticipantThenReason).map((s) => ({ participant: getAddress(s.participant), reason: s.reason, count: s.count })),
      },
      strategy: asJson(p.strategy),
      scorer: asJson(p.scorer),
      safety: asJson(p.safety),
      training: asJson(p.training),
      model: { spec: asJson(p.model.spec), dtype: p.model.dtype },
      validation: { data: p.validationData === null ? null : asJson(p.validationData), metrics: p.metrics === null ? null : { loss: p.metrics.loss, accuracy: p.metrics.accuracy } },
      coordinator: { address: getAddress(p.coordinator), software: { name: p.software.name, version: p.software.version } },
      eventLog: { seq: p.eventLogHead.seq, sha256: sha256Value(p.eventLogHead.hash) },
    },
  };
  const parsed = roundStatementSchema.safeParse(statement);
  if (!parsed.success) {
    throw new FedLedgerError("INTERNAL", `The statement of round ${p.round} does not match its schema`, { details: z.prettifyError(parsed.error) });
  }
  return parsed.data;
}

/** The statement's bytes: its canonical JSON, UTF-8. */
export function encodeRoundStatement(statement: RoundStatement): Uint8Array {
  return canonicalJsonBytes(statement);
}

/** The digest the ledger records: SHA-256 of the statement's bytes, as 0x-hex (bytes32). */
export function roundStatementDigest(statement: RoundStatement | Uint8Array): Hex {
  return contentHashSync(statement instanceof Uint8Array ? statement : encodeRoundStatement(statement));
}

/**
 * A statement read from its bytes: JSON in canonical form (so its digest is the digest of
 * what it says) that matches the schema. Throws DECODE_ERROR otherwise.
 */
export function decodeRoundStatement(bytes: Uint8Array): RoundStatement {
  let value: unknown;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    value = JSON.parse(text);
  } catch (cause) {
    throw new FedLedgerError("DECODE_ERROR", "A round statement is not UTF-8 JSON", { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  const parsed = roundStatementSchema.safeParse(value);
  if (!parsed.success) throw new FedLedgerError("DECODE_ERROR", "Not a fedledger round statement", { details: z.prettifyError(parsed.error) });
  if (canonicalJson(value) !== text) throw new FedLedgerError("DECODE_ERROR", "A round statement is not in canonical JSON (RFC 8785)");
  return parsed.data;
}
