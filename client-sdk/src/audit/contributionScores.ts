import { concatHex, type Hex, hexToBytes, stringToHex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { capPlayerNorms } from "./capPlayerNorms.ts";
import { createCoalitionGame, type Player } from "./coalitionGame.ts";
import { leaveOneOut } from "./leaveOneOut.ts";
import { monteCarloShapley } from "./monteCarloShapley.ts";
import type { ValidationUtility } from "./validationUtility.ts";

/** How a round's updates are scored; the coordinator's `scorer` config, defaults resolved. */
export type ScoringMethod =
  | { readonly name: "samples" }
  | { readonly name: "leave-one-out" }
  | { readonly name: "shapley"; readonly permutations: number; readonly truncationTolerance: number; readonly maxEvaluations: number };

/** A value in utility units (nats of validation loss) becomes round(value × SCORE_SCALE) on-chain. */
export const SCORE_SCALE = 1e9;
const UINT64_MAX = 2n ** 64n - 1n;
const SEED_DOMAIN = stringToHex("fedledger/contribution-scores/v1");
const ZERO_CHECK_CHUNK = 65_536;

/** Reads decoded updates, flattened in layout order (the coordinator's UpdateSource fits). */
export type DeltaReader = {
  readonly parameterCount: number;
  read(updateHash: Hex, offset: number, into: Float32Array): Promise<void>;
};

export type ScoredUpdate = { readonly updateHash: Hex; readonly numSamples: number };

export type ContributionScoresParameters = {
  method: ScoringMethod;
  /** The round's base model hash (on-chain): part of the permutation seed. */
  baseModelHash: Hex;
  /** The accepted updates, any order; scores come back in the same order. */
  updates: readonly ScoredUpdate[];
  deltas: DeltaReader;
  /** The round's base model and the validation utility; needed by every method but samples. */
  validation?: { global: readonly Float32Array[]; utility: ValidationUtility };
};

export type ContributionScores = {
  scores: bigint[];
  /** Sub-model evaluations spent. */
  evaluations: number;
  /** True when no update had a positive measured value and the samples scores were used. */
  fallback: boolean;
};

type Group = { hash: Hex; members: number[]; numSamples: number };

/**
 * Scores a round's accepted updates; the coordinator's scorers and the auditors'
 * rederiveScores both run this, so a recorded score is re-derivable exactly.
 *
 * - Identical updates (one update hash) are one player weighted by the smallest sample
 *   count among them (not the sum: a copy adds no data); its score is split equally
 *   (floored) among them, so copies add nothing. The coordinator leaves copies out by
 *   default (safety.leaveOutCopies), so this only matters with that turned off.
 * - In the value methods each player's delta is capped at the players' upper median norm
 *   (capPlayerNorms), so scaling an update up does not scale its value.
 * - Players are ordered by update hash, so the result does not depend on input order or
 *   on the submitters' addresses. The permutation seed is the first 32 bits of
 *   SHA-256("fedledger/contribution-scores/v1" ‖ baseModelHash ‖ player hashes): on-chain
 *   data, and unknown to any participant until every update is in.
 * - `samples`: the player's sample count, or 0 for an all-zero update.
 * - `leave-one-out` / `shapley`: the value (see leaveOneOut, monteCarloShapley, over the
 *   sub-models of createCoalitionGame) clamped at 0, then round(value × SCORE_SCALE),
 *   capped at 2^64 − 1. The estimate is clamped, not each marginal: clamping marginals
 *   would let two colluders whose updates cancel (+X, −X) each collect the damage the
 *   other one does. Zero and zero-sample updates score exactly 0.
 * - If every value score is 0, no update measurably improved the model, yet the ledger
 *   refuses a zero total: the round is scored by `samples` instead (bounded by registered
 *   dataset sizes; zero updates and copies still earn nothing extra). If that is all 0
 *   too (every update is zero or has no samples), all scores are 0.
 *
 * Throws INTERNAL for a sample count that is not a safe non-negative integer.
 */
export async function contributionScores(p: ContributionScoresParameters): Promise<ContributionScores> {
  const groups = groupUpdates(p.updates);
  const needsValues = p.method.name !== "samples";
  const deltas = await Promise.all(groups.map((g) => (needsValues ? readDelta(p.deltas, g.hash) : undefined)));
  const zero = await Promise.all(groups.map((g, i) => (deltas[i] ? isZero(deltas[i]) : isZeroUpdate(p.deltas, g.hash))));
  const sampleScores = groups.map((g, i) => (zero[i] ? 0n : BigInt(g.numSamples)));

  let groupScores = sampleScores;
  let evaluations = 0;
  let fallback = false;
  if (needsValues && groups.length > 0) {
    const validation = p.validation;
    if (!validation) throw new FedLedgerError("INTERNAL", `The ${p.method.name} scorer needs the validation utility`);
    const scales = capPlayerNorms(deltas as Float32Array[]);
    const players: Player[] = groups.map((g, i) => ({ delta: deltas[i] as Float32Array, numSamples: g.numSamples, scale: scales[i] as number }));
    const game = createCoalitionGame({ global: flatten(validation.global, p.deltas.parameterCount), players, utility: validation.utility });
    const method = p.method;
    const values =
      method.name === "shapley"
        ? (await monteCarloShapley(game, { ...method, seed: await permutationSeed(p.baseModelHash, groups) })).values
        : await leaveOneOut(game);
    evaluations = game.evaluations;
    groupScores = values.map(quantize);
    if (groupScores.every((s) => s === 0n)) {
      groupScores = sampleScores;
      fallback = true;
    }
  }

  const scores = new Array<bigint>(p.updates.length).fill(0n);
  groups.forEach((g, i) => {
    const share = (groupScores[i] as bigint) / BigInt(g.members.length);
    for (const member of g.members) scores[member] = share;
  });
  return { scores, evaluations, fallback };
}

function groupUpdates(updates: readonly ScoredUpdate[]): Group[] {
  const byHash = new Map<Hex, Group>();
  updates.forEach(({ updateHash, numSamples }, index) => {
    if (!Number.isSafeInteger(numSamples) || numSamples < 0) {
      throw new FedLedgerError("INTERNAL", "Sample counts must be non-negative integers", { details: `${updateHash}: ${numSamples}` });
    }
    const hash = updateHash.toLowerCase() as Hex;
    const group = byHash.get(hash) ?? { hash, members: [], numSamples };
    group.members.push(index);
    group.numSamples = Math.min(group.numSamples, numSamples);
    byHash.set(hash, group);
  });
  return [...byHash.values()].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
}

async function permutationSeed(baseModelHash: Hex, groups: readonly Group[]): Promise<number> {
  const digest = await contentHash(hexToBytes(concatHex([SEED_DOMAIN, baseModelHash, ...groups.map((g) => g.hash)])));
  return Number.parseInt(digest.slice(2, 10), 16);
}

function quantize(value: number): bigint {
  if (!(value > 0)) return 0n;
  const scaled = Math.round(value * SCORE_SCALE);
  return Number.isFinite(scaled) && scaled < 2 ** 64 ? BigInt(scaled) : UINT64_MAX;
}

async function readDelta(reader: DeltaReader, hash: Hex): Promise<Float32Array> {
  const delta = new Float32Array(reader.parameterCount);
  await reader.read(hash, 0, delta);
  return delta;
}

function isZero(values: Float32Array): boolean {
  for (let k = 0; k < values.length; k++) if (values[k] !== 0) return false;
  return true;
}

/** Reads in chunks and stops at the first non-zero value (a real update has one early). */
async function isZeroUpdate(reader: DeltaReader, hash: Hex): Promise<boolean> {
  const chunk = new Float32Array(Math.min(ZERO_CHECK_CHUNK, reader.parameterCount));
  for (let offset = 0; offset < reader.parameterCount; offset += chunk.length) {
    const part = chunk.subarray(0, Math.min(chunk.length, reader.parameterCount - offset));
    await reader.read(hash, offset, part);
    if (!isZero(part)) return false;
  }
  return true;
}

function flatten(layers: readonly Float32Array[], parameterCount: number): Float64Array {
  const flat = new Float64Array(parameterCount);
  let offset = 0;
  for (const layer of layers) {
    if (offset + layer.length > parameterCount) break;
    flat.set(layer, offset);
    offset += layer.length;
  }
  if (offset !== parameterCount) {
    throw new FedLedgerError("SHAPE_MISMATCH", "The base model does not match the updates", { details: `${offset} vs ${parameterCount} parameters` });
  }
  return flat;
}
