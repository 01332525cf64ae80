import type { Address, Hex } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import type { LayerSpec, Weights } from "../protocol/encoding/layout.ts";
import { decodeWeights, encodeWeights } from "../protocol/encoding/weightsCodec.ts";
import { contentHash } from "../protocol/hashing/contentHash.ts";
import { upperMedian } from "./capPlayerNorms.ts";

export type RecordedUpdate = { participant: Address; updateHash: Hex; numSamples: bigint | number };

/** Server-side clipping before FedAvg (the coordinator's `clip` strategy): a fixed or a median-relative bound. */
export type ClipBound = { maxNorm: number } | { medianMultiple: number };

/**
 * Re-derives a round's FedAvg aggregate from the base model and the signed updates, as an
 * auditor would, with the arithmetic the coordinator documents:
 *
 *   updates sorted by ascending participant address; N = Σ n_i;
 *   with `clip` (the default strategy is FedAvg clipped at 1 × the median): ‖Δ_i‖ =
 *   sqrt(Σ_k Δ_i[k]² in float64, k ascending); bound = maxNorm, or medianMultiple × the
 *   upper median of the norms; each Δ_i with ‖Δ_i‖ > bound becomes fround(Δ_i[k] ·
 *   (bound / ‖Δ_i‖));
 *   for each parameter k: acc = Σ_i n_i · Δ_i[k] in float64, in that order;
 *   W(r)[k] = fround(W(r-1)[k] + acc / N).
 *
 * A plain loop on purpose: it is the reference the coordinator's optimised kernel must
 * match bit for bit. `fetch` returns an object's bytes by its SHA-256 (e.g. from the
 * coordinator's content store); every object is re-hashed before use.
 */
export async function rederiveAggregate(p: {
  layout: readonly LayerSpec[];
  baseModelHash: Hex;
  updates: readonly RecordedUpdate[];
  fetch: (hash: Hex) => Promise<Uint8Array>;
  clip?: ClipBound;
}): Promise<{ weights: Weights; aggregateModelHash: Hex }> {
  const load = async (hash: Hex) => {
    const bytes = await p.fetch(hash);
    const actual = await contentHash(bytes);
    if (actual.toLowerCase() !== hash.toLowerCase()) {
      throw new FedLedgerError("HASH_MISMATCH", "A fetched object does not match its hash", { details: `${hash} is ${actual}` });
    }
    return decodeWeights(bytes, p.layout).weights;
  };
  const base = await load(p.baseModelHash);
  const sorted = [...p.updates].sort((a, b) => (BigInt(a.participant) < BigInt(b.participant) ? -1 : 1));
  const loaded = await Promise.all(sorted.map((u) => load(u.updateHash)));
  const deltas = p.clip ? clipped(loaded, p.clip) : loaded;
  const counts = sorted.map((u) => Number(u.numSamples));
  const total = counts.reduce((a, b) => a + b, 0);
  const weights = base.map((layer, l) => {
    const layerDeltas = deltas.map((d) => d[l] as Float32Array);
    const out = new Float32Array(layer.length);
    for (let k = 0; k < layer.length; k++) {
      let acc = 0;
      for (let i = 0; i < layerDeltas.length; i++) acc += (counts[i] as number) * ((layerDeltas[i] as Float32Array)[k] as number);
      out[k] = Math.fround((layer[k] as number) + acc / total);
    }
    return out;
  });
  return { weights, aggregateModelHash: await contentHash(encodeWeights(weights, p.layout, "f32")) };
}

function clipped(deltas: readonly Weights[], clip: ClipBound): Weights[] {
  const norms = deltas.map((layers) => {
    let sum = 0;
    for (const layer of layers) for (let k = 0; k < layer.length; k++) sum += (layer[k] as number) * (layer[k] as number);
    return Math.sqrt(sum);
  });
  const bound = "maxNorm" in clip ? clip.maxNorm : clip.medianMultiple * upperMedian(norms);
  return deltas.map((layers, i) => {
    const norm = norms[i] as number;
    if (!(norm > bound && norm > 0)) return layers;
    const factor = bound / norm;
    return layers.map((layer) => Float32Array.from(layer, (v) => v * factor));
  });
}
