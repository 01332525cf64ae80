import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Hex } from "viem";
import { z } from "zod";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { bytes32Schema, describeIssues } from "../protocol/messages.ts";
import { readJsonFile } from "./coordinatorStore.ts";
import { writeFileAtomically } from "./writeFileAtomically.ts";

/** The pointer file of a participant's model directory; the weights sit beside it as `<hash>.weights`. */
export const LOCAL_MODEL_FILE = "latest.json";
const WEIGHTS_SUFFIX = ".weights";

/** The latest recorded global model a participant kept (from a fit instruction, or fetched when its round ended). */
export type LocalModelCopy = {
  /** The round that produced it; 0 for the genesis model. */
  readonly round: number;
  /** SHA-256 of `weights`, as the coordinator announced it. */
  readonly modelHash: Hex;
  /** The model spec the coordinator sent with it. */
  readonly modelSpec: unknown;
  /** Canonical encoding of the weights. */
  readonly weights: Uint8Array;
};

const pointerSchema = z.strictObject({
  version: z.literal(1),
  round: z.int().min(0),
  modelHash: bytes32Schema,
  modelSpec: z.unknown(),
  weightsFile: z.string().regex(/^[0-9a-f]{64}\.weights$/),
});

/**
 * Keeps `copy` in `dir`: the weights as `<hash>.weights`, then `latest.json` naming them,
 * each written atomically (temp file + rename), so a reader sees the old copy or the new
 * one, never a mix; older weight files are then removed.
 */
export async function writeLocalModelCopy(dir: string, copy: LocalModelCopy): Promise<void> {
  const weightsFile = `${copy.modelHash.slice(2).toLowerCase()}${WEIGHTS_SUFFIX}`;
  await writeFileAtomically(join(dir, weightsFile), copy.weights);
  const pointer = { version: 1, round: copy.round, modelHash: copy.modelHash.toLowerCase(), modelSpec: copy.modelSpec, weightsFile };
  await writeFileAtomically(join(dir, LOCAL_MODEL_FILE), `${JSON.stringify(pointer)}\n`);
  for (const name of await readdir(dir)) {
    if (name.endsWith(WEIGHTS_SUFFIX) && name !== weightsFile) await rm(join(dir, name), { force: true });
  }
}

/**
 * The copy kept in `dir` by writeLocalModelCopy. Throws INVALID_CONFIG when there is none
 * or it is malformed, HASH_MISMATCH when the weights do not match their hash.
 */
export async function readLocalModelCopy(dir: string): Promise<LocalModelCopy> {
  const parsed = pointerSchema.safeParse(await readJsonFile(join(dir, LOCAL_MODEL_FILE), "the local model copy"));
  if (!parsed.success) throw new FedLedgerError("INVALID_CONFIG", `${join(dir, LOCAL_MODEL_FILE)} is malformed`, { details: describeIssues(parsed.error) });
  const pointer = parsed.data;
  const path = join(dir, pointer.weightsFile);
  let weights: Uint8Array;
  try {
    weights = new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new FedLedgerError("INVALID_CONFIG", `Cannot read the local model weights ${path}`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  const actual = await contentHash(weights);
  if (actual !== pointer.modelHash.toLowerCase()) {
    throw new FedLedgerError("HASH_MISMATCH", "The local model copy does not match its hash", { details: `${path} hashes to ${actual}, expected ${pointer.modelHash}` });
  }
  return { round: pointer.round, modelHash: actual, modelSpec: pointer.modelSpec, weights };
}
