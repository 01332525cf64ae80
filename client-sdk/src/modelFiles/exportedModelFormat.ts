import { z } from "zod";
import { addressSchema, bytes32Schema } from "../protocol/messages.ts";

/**
 * An exported model is a standard TensorFlow.js Layers model directory: `model.json`
 * (topology, weights manifest, metadata) and one `weights.bin` of little-endian float32
 * weights in the manifest's order, which is the model's canonical layout order.
 */
export const MODEL_JSON_FILE = "model.json";
export const WEIGHTS_FILE = "weights.bin";
/** The key of fedledger's entry in `model.json`'s `userDefinedMetadata`. */
export const EXPORT_METADATA_KEY = "fedledger";

/** One recorded round on the exported model's lineage, newest first (as readLineage walks it). */
export const lineageEntrySchema = z.strictObject({
  round: z.int().positive(),
  baseModelHash: bytes32Schema,
  aggregateModelHash: bytes32Schema,
  transactionHash: bytes32Schema,
});

/** What `model.json` says about where the model comes from; `verify-model` holds it against the chain. */
export const exportMetadataSchema = z.strictObject({
  version: z.literal(1),
  /** SHA-256 of the weights' canonical f32 encoding: the hash the ledger records. */
  modelHash: bytes32Schema,
  /** The round that produced the model; 0 for the genesis model. */
  round: z.int().min(0),
  chainId: z.int().positive(),
  ledger: addressSchema,
  genesisModelHash: bytes32Schema,
  lineage: z.array(lineageEntrySchema),
  /** Where the weights were taken from: a coordinator's store, a participant's local copy or an audit bundle. */
  source: z.enum(["store", "local", "bundle"]),
});
export type ExportMetadata = z.infer<typeof exportMetadataSchema>;

const weightEntrySchema = z.looseObject({
  name: z.string().min(1).max(256),
  shape: z.array(z.int().min(0)).max(8),
  dtype: z.string(),
  quantization: z.unknown().optional(),
});

/** The parts of TensorFlow.js's `model.json` that loading needs; other fields pass through. */
export const modelJsonSchema = z.looseObject({
  modelTopology: z.record(z.string(), z.unknown()),
  format: z.string().optional(),
  weightsManifest: z.array(z.looseObject({ paths: z.array(z.string()).min(1).max(1024), weights: z.array(weightEntrySchema) })).max(1024),
  userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
});
export type ModelJson = z.infer<typeof modelJsonSchema>;

/** The file next to `model.json` that names the model's releases, when it has any. */
export const RELEASE_FILE = "release.json";

/** One release of the exported model, as the ledger recorded it when the model was exported. */
export const exportedReleaseEntrySchema = z.strictObject({
  releaseId: z.int().positive(),
  round: z.int().positive(),
  tag: z.string().min(1).max(256),
  /** SHA-256 of the evaluation report the approvers signed. */
  reportDigest: bytes32Schema,
  approvers: z.array(addressSchema).min(1).max(256),
  /** At export time: current, deprecated, rolled-back or superseded. */
  status: z.enum(["current", "deprecated", "rolled-back", "superseded"]),
  transactionHash: bytes32Schema,
  deprecation: z.strictObject({ reason: z.string().max(4096), approver: addressSchema, transactionHash: bytes32Schema }).nullable(),
});

/** `release.json`: the model's releases; `verify-model` holds each against the chain. */
export const exportedReleaseSchema = z.strictObject({
  version: z.literal(1),
  chainId: z.int().positive(),
  ledger: addressSchema,
  modelHash: bytes32Schema,
  releases: z.array(exportedReleaseEntrySchema).min(1).max(1024),
});
export type ExportedRelease = z.infer<typeof exportedReleaseSchema>;
