import type { Hex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { parameterCount } from "../protocol/encoding/layout.ts";
import { decodeWeights } from "../protocol/encoding/weightsCodec.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { layerLayout, type ModelSpec } from "../training/modelSpec.ts";
import type { TrainingData } from "../training/trainingData.ts";
import { contributionScores, type ScoringMethod } from "./contributionScores.ts";
import type { RecordedUpdate } from "./rederiveAggregate.ts";
import { createValidationUtility } from "./validationUtility.ts";

/**
 * Re-derives a round's contribution scores, as an auditor would, from the same inputs as
 * rederiveAggregate plus the model spec, the coordinator's committed validation data and
 * its scorer config (defaults resolved): every stored object is fetched by hash and
 * re-hashed, then the coordinator's own scoring (contributionScores) runs on them.
 * Returns one score per update, in the order given; compare with the UpdateRecorded events.
 *
 * Throws HASH_MISMATCH when a fetched object does not match its hash, INVALID_CONFIG when
 * a value scorer (any but `samples`) gets no evaluation data.
 */
export async function rederiveScores(p: {
  spec: ModelSpec;
  /** The coordinator's validation data; `samples` scores do not read it. */
  evaluationData?: TrainingData | undefined;
  scorer: ScoringMethod;
  baseModelHash: Hex;
  updates: readonly RecordedUpdate[];
  fetch: (hash: Hex) => Promise<Uint8Array>;
}): Promise<bigint[]> {
  const valued = p.scorer.name !== "samples";
  const evaluationData = p.evaluationData;
  if (valued && evaluationData === undefined) {
    throw new FedLedgerError("INVALID_CONFIG", `The ${p.scorer.name} scorer needs the coordinator's evaluation data`);
  }
  const layout = layerLayout(p.spec);
  const load = async (hash: Hex) => {
    const bytes = await p.fetch(hash);
    const actual = await contentHash(bytes);
    if (actual.toLowerCase() !== hash.toLowerCase()) {
      throw new FedLedgerError("HASH_MISMATCH", "A fetched object does not match its hash", { details: `${hash} is ${actual}` });
    }
    return decodeWeights(bytes, layout).weights;
  };
  const flat = new Map<Hex, Float32Array>();
  for (const { updateHash } of p.updates) {
    const key = updateHash.toLowerCase() as Hex;
    if (flat.has(key)) continue;
    const layers = await load(updateHash);
    const joined = new Float32Array(layers.reduce((n, layer) => n + layer.length, 0));
    let offset = 0;
    for (const layer of layers) {
      joined.set(layer, offset);
      offset += layer.length;
    }
    flat.set(key, joined);
  }
  const deltas = {
    parameterCount: parameterCount(layout),
    async read(hash: Hex, offset: number, into: Float32Array) {
      const source = flat.get(hash.toLowerCase() as Hex);
      if (!source) throw new FedLedgerError("INTERNAL", "Unknown update", { details: hash });
      into.set(source.subarray(offset, offset + into.length));
    },
  };
  const { scores } = await contributionScores({
    method: p.scorer,
    baseModelHash: p.baseModelHash,
    updates: p.updates.map((u) => ({ updateHash: u.updateHash, numSamples: Number(u.numSamples) })),
    deltas,
    ...(valued && evaluationData ? { validation: { global: await load(p.baseModelHash), utility: createValidationUtility(p.spec, evaluationData) } } : {}),
  });
  return scores;
}
