import { z } from "zod";
import { ERROR_CODES } from "../errors/codes.ts";
import { WEIGHT_DTYPES } from "./encoding/weightsCodec.ts";
import { MAX_NUM_SAMPLES } from "./sampleCount.ts";

/**
 * Zod schemas for every socket.io payload. Types are not validation: both ends parse
 * what they receive with these before using it.
 */
export const hexSchema = z.string().regex(/^0x[0-9a-fA-F]*$/, "expected 0x-prefixed hex").transform((s) => s as `0x${string}`);
export const bytes32Schema = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected 32 bytes of hex").transform((s) => s as `0x${string}`);
export const addressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address").transform((s) => s as `0x${string}`);
export const signatureSchema = z.string().regex(/^0x[0-9a-fA-F]{130}$/, "expected a 65-byte signature").transform((s) => s as `0x${string}`);
export const binarySchema = z.custom<Uint8Array>((value) => value instanceof Uint8Array, "expected binary data");

export const dtypeSchema = z.enum(WEIGHT_DTYPES);

export const errorPayloadSchema = z.object({ code: z.enum(ERROR_CODES), message: z.string() });
export type ErrorPayload = z.infer<typeof errorPayloadSchema>;

/** Every ack is `{ ok: true, data } | { ok: false, error: { code, message } }`. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };

/**
 * A failed parse as at most `maxIssues` lines of "path: message", each cut short: bad
 * input from a peer never becomes a long log line, however many problems it has.
 */
export function describeIssues(error: { readonly issues: readonly z.core.$ZodIssue[] }, maxIssues = 5): string {
  const lines = error.issues.slice(0, maxIssues).map((issue) => {
    const path = issue.path.map((segment) => String(segment).slice(0, 40)).join(".").slice(0, 120) || "(root)";
    return `${path}: ${issue.message.slice(0, 160)}`;
  });
  if (error.issues.length > maxIssues) lines.push(`(${error.issues.length - maxIssues} more)`);
  return lines.join("\n");
}

// ------------------------------------------------------------ session

/**
 * Handshake `auth` payload sent with the socket.io connection. `clientId` is random per
 * client instance and kept across its reconnects: a login with the same id replaces that
 * client's old session; another id is refused while the old session is alive.
 */
export const handshakeSchema = z.object({ protocolVersion: z.number().int(), address: addressSchema, clientId: bytes32Schema });
export type Handshake = z.infer<typeof handshakeSchema>;

/** Longest coordinator URL a challenge may name. */
export const MAX_COORDINATOR_URL_LENGTH = 2048;

/**
 * A login challenge: what the participant signs as an EIP-712 `Login`, except the domain,
 * which the participant takes from its own configuration and checks against these fields.
 */
export const challengeSchema = z.object({
  chainId: z.number().int().positive(),
  ledger: addressSchema,
  /** The coordinator's origin, as its operator configured it (never the request's Host header). */
  coordinator: z.string().max(MAX_COORDINATOR_URL_LENGTH),
  /** Single use, and valid for this socket only. */
  nonce: bytes32Schema,
  /** Unix milliseconds. */
  expiresAt: z.number().int().positive(),
});
export type Challenge = z.infer<typeof challengeSchema>;

export const authenticateSchema = z.object({ signature: signatureSchema });
export type Authenticate = z.infer<typeof authenticateSchema>;

/**
 * The authenticate ack. `modelSpec` is the federation's model, as every fit instruction
 * carries it (validated by the training module): the participant checks its data against
 * it at login, before any round. Optional, so that adding it kept protocol 2: a session
 * without it defers that check to the first fit instruction.
 */
export const sessionSchema = z.object({
  address: addressSchema,
  chainId: z.number().int().positive(),
  ledger: addressSchema,
  modelSpec: z.unknown().optional(),
});
export type Session = z.infer<typeof sessionSchema>;

// ------------------------------------------------------------ rounds

export const fitInstructionSchema = z.object({
  round: z.number().int().positive(),
  baseModelHash: bytes32Schema,
  /** Canonical f32 encoding of the global model; its SHA-256 is `baseModelHash`. */
  model: binarySchema,
  /** JSON model topology (validated by the training module). */
  modelSpec: z.unknown(),
  /** Per-round hyperparameters (validated by the training module). */
  trainConfig: z.unknown(),
  /** Encoding the update must use this round. */
  dtype: dtypeSchema,
  /** Unix milliseconds after which submissions are refused. */
  deadline: z.number().int().positive(),
});
export type FitInstruction = z.infer<typeof fitInstructionSchema>;

/** Bounds of a metrics map: a peer's map is logged and stored, so it stays small. */
export const MAX_METRICS = 32;
export const MAX_METRIC_NAME_LENGTH = 64;

/** At most {@link MAX_METRICS} named finite numbers. The key count is checked before any entry is looked at. */
export const metricsSchema = z
  .custom<Record<string, unknown>>(
    (value) => typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && Object.keys(value).length <= MAX_METRICS,
    `expected a map of at most ${MAX_METRICS} metrics`,
  )
  .pipe(z.record(z.string().min(1).max(MAX_METRIC_NAME_LENGTH), z.number()));

export const submitUpdateSchema = z.object({
  round: z.number().int().positive(),
  baseModelHash: bytes32Schema,
  /** At most MAX_NUM_SAMPLES, so a round's total stays exact (see sampleCount.ts). */
  numSamples: z.number().int().positive().max(MAX_NUM_SAMPLES),
  updateHash: bytes32Schema,
  /** Canonical encoding of the update (local minus global weights). */
  update: binarySchema,
  /** EIP-712 signature over Update(round, baseModelHash, updateHash, numSamples, datasetCommitment). */
  signature: signatureSchema,
  metrics: metricsSchema.optional(),
});
export type SubmitUpdate = z.infer<typeof submitUpdateSchema>;

export const submitReceiptSchema = z.object({ round: z.number().int(), updateHash: bytes32Schema, duplicate: z.boolean() });
export type SubmitReceipt = z.infer<typeof submitReceiptSchema>;

export const roundEndSchema = z.object({
  round: z.number().int().positive(),
  status: z.enum(["recorded", "aborted"]),
  aggregateModelHash: bytes32Schema.optional(),
  accepted: z.number().int().nonnegative(),
  txHash: hexSchema.optional(),
  reason: z.string().optional(),
  metrics: metricsSchema.optional(),
  /**
   * Acknowledged updates left out of the recorded round, with the reason (the strategy
   * rejected it, a norm outlier, the safety net's loss check, or a check the ledger
   * would fail): they earn nothing this round.
   */
  leftOut: z.array(z.object({ participant: addressSchema, code: z.enum(ERROR_CODES) })).max(100_000).optional(),
});
export type RoundEnd = z.infer<typeof roundEndSchema>;

/**
 * `federation:finished`: the coordinator's last configured round is recorded and no more
 * rounds follow. Broadcast to every logged-in participant (and sent to any that logs in
 * afterwards, while the coordinator still serves the final model).
 */
export const federationFinishedSchema = z.object({
  /** The last recorded round; 0 when no round was recorded. */
  lastRound: z.number().int().nonnegative(),
  /** That round's aggregate: the federation's final model. */
  aggregateModelHash: bytes32Schema.optional(),
});
export type FederationFinished = z.infer<typeof federationFinishedSchema>;

// ------------------------------------------------------------ models

/** `model:fetch`: asks the coordinator for a recorded global model by its hash. */
export const modelRequestSchema = z.object({ modelHash: bytes32Schema });
export type ModelRequest = z.infer<typeof modelRequestSchema>;

/**
 * The `model:fetch` ack: the genesis model (round 0) or a recorded round's aggregate, in
 * its canonical f32 encoding, whose SHA-256 is `modelHash`.
 */
export const recordedModelSchema = z.object({ round: z.number().int().nonnegative(), modelHash: bytes32Schema, model: binarySchema });
export type RecordedModel = z.infer<typeof recordedModelSchema>;
