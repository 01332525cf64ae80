import type { Hex } from "viem";
import { contentHash, decodeWeights, encodeWeights, FedLedgerError, type LayerSpec, type Weights } from "@fedledger/client-sdk";
import type { AggregateFitParameters, AggregateFitResult } from "./Strategy.ts";
import { assertFiniteChunk, weightedDeltaAverage } from "./aggregate/weightedDeltaAverage.ts";
import { FedAvg, type FedAvgOptions } from "./fedAvg.ts";
import type { ServerStateStore } from "./serverStateStore.ts";

export type FedOptOptions = FedAvgOptions & {
  /** Keeps the optimizer state across restarts (memory only if absent). */
  stateStore?: ServerStateStore;
};

/** States kept in memory, newest last (a retried round reuses its base's). */
const STATES_IN_MEMORY = 3;

/** The model hash the ledger records: SHA-256 of the canonical float32 encoding. */
function modelHash(weights: Weights, layout: readonly LayerSpec[]): Promise<Hex> {
  return contentHash(encodeWeights(weights, layout, "f32"));
}

/**
 * The FedOpt family (Reddi, Charles, Zaheer, Garrett, Rush, Konečný, Kumar, McMahan,
 * "Adaptive Federated Optimization", ICLR 2021): the sample-weighted mean of the deltas
 * (FedAvg's, computed as weightedDeltaAverage on a zero model, so Δ[k] =
 * float32(Σ n_i Δ_i[k] / N)) is a pseudo-gradient, and a server optimizer with state turns
 * it into the step. Subclasses define the state vectors and one step; every value is
 * computed in binary64 from the float32 inputs and rounded to float32 once when stored.
 *
 * State and restarts: the state after a round is kept under the hash of the model that
 * round produced (in memory, and in the ServerStateStore when one is given, before the
 * aggregate is returned). A round starts from the state stored under its base model's hash;
 * from zeros when the base is the initial model. A missing state for any other base is an
 * error (INTERNAL): starting from zeros would silently change the arithmetic. The state is
 * encoded with the model codec (layers "<state>/<layer>"), so its SHA-256 names it for an
 * auditor, who needs it to re-derive the round.
 */
export abstract class FedOpt extends FedAvg {
  readonly #store: ServerStateStore | undefined;
  readonly #states = new Map<Hex, Float32Array[]>();
  #initialHash: Promise<Hex> | undefined;

  constructor(options: FedOptOptions) {
    super(options);
    this.#store = options.stateStore;
  }

  /** Names of the state vectors, each one value per parameter. */
  protected abstract stateNames(): readonly string[];

  /**
   * One server step over all P parameters: reads `delta` (the pseudo-gradient) and
   * `global`, updates `state` in place, writes the next model to `out`.
   */
  protected abstract step(delta: Float32Array, global: Float32Array, state: Float32Array[], out: Float32Array): void;

  /** The layout of the encoded state: every state vector in the model's layout. */
  stateLayout(): LayerSpec[] {
    return this.stateNames().flatMap((state) => this.layout.map((layer) => ({ name: `${state}/${layer.name}`, shape: [...layer.shape] })));
  }

  /** The state after the round that produced model `hash`, encoded (undefined if unknown here). */
  async encodedState(hash: Hex): Promise<Uint8Array | undefined> {
    const state = this.#states.get(hash.toLowerCase() as Hex);
    if (state) return this.#encode(state);
    return this.#store?.load(hash);
  }

  override async aggregateFit(parameters: AggregateFitParameters): Promise<AggregateFitResult> {
    const results = this.checkAggregateInputs(parameters);
    if (results.length === 0) return { weights: parameters.global.map((layer) => layer.slice()), rejected: [] };
    const global = flatten(parameters.global);
    const state = await this.#stateFor(await modelHash(parameters.global, this.layout), global.length);
    const delta = await weightedDeltaAverage({
      ...this.chunking(),
      global: new Float32Array(global.length),
      results,
      source: parameters.source,
    });
    const out = new Float32Array(global.length);
    this.step(delta, global, state, out);
    assertFiniteChunk(out, 0);
    const weights = this.toLayers(out);
    const hash = await modelHash(weights, this.layout);
    await this.#store?.save(hash, this.#encode(state));
    this.#remember(hash, state);
    return { weights, rejected: [] };
  }

  async #stateFor(base: Hex, parameterCount: number): Promise<Float32Array[]> {
    const known = this.#states.get(base);
    if (known) return known.map((vector) => vector.slice());
    const stored = await this.#store?.load(base);
    if (stored) {
      const layers = decodeWeights(stored, this.stateLayout()).weights;
      return this.stateNames().map((_, s) => flatten(layers.slice(s * this.layout.length, (s + 1) * this.layout.length)));
    }
    this.#initialHash ??= this.initializeParameters().then((initial) => modelHash(initial, this.layout));
    if (base === (await this.#initialHash)) return this.stateNames().map(() => new Float32Array(parameterCount));
    throw new FedLedgerError("INTERNAL", `${this.name}: no server optimizer state for the base model`, { details: base });
  }

  #remember(hash: Hex, state: Float32Array[]): void {
    this.#states.delete(hash);
    this.#states.set(hash, state);
    for (const old of this.#states.keys()) {
      if (this.#states.size <= STATES_IN_MEMORY) break;
      this.#states.delete(old);
    }
  }

  #encode(state: Float32Array[]): Uint8Array {
    return encodeWeights(state.flatMap((vector) => this.toLayers(vector)), this.stateLayout(), "f32");
  }
}

function flatten(layers: Weights): Float32Array {
  const out = new Float32Array(layers.reduce((n, layer) => n + layer.length, 0));
  let offset = 0;
  for (const layer of layers) {
    out.set(layer, offset);
    offset += layer.length;
  }
  return out;
}
