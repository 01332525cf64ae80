import { z } from "zod";
import { ERROR_CODES } from "../errors/codes.ts";
import { WEIGHT_DTYPES } from "./encoding/weightsCodec.ts";

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

// ------------------------------------------------------------ session

/** Handshake `auth` payload sent with the socket.io connection. */
export const handshakeSchema = z.object({ protocolVersion: z.number().int(), address: addressSchema });
export type Handshake = z.infer<typeof handshakeSchema>;

export const challengeSchema = z.object({ challenge: z.string().min(16).max(512), expiresAt: z.number().int() });
export type Challenge = z.infer<typeof challengeSchema>;

export const authenticateSchema = z.object({ signature: signatureSchema });
export type Authenticate = z.infer<typeof authenticateSchema>;

export const sessionSchema = z.object({ address: addressSchema, chainId: z.number().int().positive(), ledger: addressSchema });
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

export const metricsSchema = z.record(z.string(), z.number());

export const submitUpdateSchema = z.object({
  round: z.number().int().positive(),
  baseModelHash: bytes32Schema,
  numSamples: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
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
});
export type RoundEnd = z.infer<typeof roundEndSchema>;
