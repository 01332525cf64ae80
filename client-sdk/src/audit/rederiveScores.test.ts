import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { mulberry32 } from "../data/seededRandom.ts";
import { encodeWeights } from "../protocol/encoding/weightsCodec.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { layerLayout, type ModelSpec } from "../training/modelSpec.ts";
import type { TrainingData } from "../training/trainingData.ts";
import { contributionScores, type ScoringMethod } from "./contributionScores.ts";
import { rederiveScores } from "./rederiveScores.ts";
import { createValidationUtility } from "./validationUtility.ts";

const spec: ModelSpec = { kind: "mlp", inputShape: [3], layers: [{ units: 4, activation: "relu" }, { units: 2, activation: "softmax" }] };
const layout = layerLayout(spec);
const random = mulberry32(21);
const layers = () => layout.map((entry) => Float32Array.from({ length: entry.shape.reduce((a, b) => a * b, 1) }, () => random() - 0.5));
const evaluationData: TrainingData = (() => {
  const features = Float32Array.from({ length: 60 * 3 }, () => random() * 2 - 1);
  const labels = Int32Array.from({ length: 60 }, (_, i) => ((features[i * 3] as number) > 0 ? 1 : 0));
  return { features, labels, numSamples: 60, featureShape: [3], numClasses: 2 };
})();
const shapley: ScoringMethod = { name: "shapley", permutations: 5, truncationTolerance: 0.01, maxEvaluations: 100 };

async function storedRound() {
  const objects = new Map<Hex, Uint8Array>();
  const put = async (weights: Float32Array[]) => {
    const bytes = encodeWeights(weights, layout, "f32");
    const hash = await contentHash(bytes);
    objects.set(hash, bytes);
    return hash;
  };
  const base = layers();
  const baseModelHash = await put(base);
  const deltas = [layers(), layers(), layers(), layers()].map((d) => d.map((layer) => layer.map((v) => v * 0.3)));
  const updates = await Promise.all(
    deltas.map(async (d, i) => ({ participant: `0x${(i + 1).toString(16).padStart(40, "0")}` as Address, updateHash: await put(d), numSamples: BigInt(10 + 7 * i) })),
  );
  return { objects, base, baseModelHash, deltas, updates };
}

describe("rederiveScores", () => {
  it("recomputes the scores contributionScores gives for the stored round, for every method", async () => {
    const round = await storedRound();
    const flat = new Map(round.updates.map((u, i) => [u.updateHash, Float32Array.from(round.deltas[i]!.flatMap((l) => [...l]))]));
    for (const method of [shapley, { name: "leave-one-out" } as const, { name: "samples" } as const]) {
      const { scores } = await contributionScores({
        method,
        baseModelHash: round.baseModelHash,
        updates: round.updates.map((u) => ({ updateHash: u.updateHash, numSamples: Number(u.numSamples) })),
        deltas: { parameterCount: flat.values().next().value!.length, read: async (h, o, into) => into.set(flat.get(h)!.subarray(o, o + into.length)) },
        validation: { global: round.base, utility: createValidationUtility(spec, evaluationData) },
      });
      const rederived = await rederiveScores({
        spec,
        evaluationData,
        scorer: method,
        baseModelHash: round.baseModelHash,
        updates: round.updates,
        fetch: async (hash) => round.objects.get(hash)!,
      });
      expect(rederived).toEqual(scores);
    }
  });

  it("refuses a fetched object that does not match its hash (HASH_MISMATCH)", async () => {
    const round = await storedRound();
    const tampered = async (hash: Hex) => {
      const bytes = round.objects.get(hash)!.slice();
      if (hash === round.updates[2]!.updateHash) bytes[bytes.length - 1] = (bytes[bytes.length - 1]! + 1) % 256;
      return bytes;
    };
    const error = await rederiveScores({ spec, evaluationData, scorer: shapley, baseModelHash: round.baseModelHash, updates: round.updates, fetch: tampered }).catch(
      (e: unknown) => e,
    );
    expect(isFedLedgerError(error, "HASH_MISMATCH")).toBe(true);
  });

  it("needs evaluation data for a value scorer (INVALID_CONFIG), not for samples", async () => {
    const round = await storedRound();
    const audit = (scorer: ScoringMethod) =>
      rederiveScores({ spec, scorer, baseModelHash: round.baseModelHash, updates: round.updates, fetch: async (hash) => round.objects.get(hash)! });
    expect(await audit({ name: "samples" })).toEqual(round.updates.map((u) => u.numSamples));
    const error = await audit(shapley).catch((e: unknown) => e);
    expect(isFedLedgerError(error, "INVALID_CONFIG")).toBe(true);
  });
});
