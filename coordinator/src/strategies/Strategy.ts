import type { Address, Hex } from "viem";
import type { LayerSpec, Weights } from "@fedledger/client-sdk";

/** A connected, authenticated participant the strategy can select. */
export type ClientProxy = { readonly address: Address };

/** One accepted, validated update, in the order the strategy must combine them. */
export type FitResult = {
  readonly participant: Address;
  readonly numSamples: number;
  readonly updateHash: Hex;
  /** The update's L2 norm as computed at its ack (updateNorm of its values), when known: saves a pass over it. */
  readonly norm?: number | null;
};

/** What checkUpdate sees of an update: its L2 norm (updateNorm) and each layer's size, layout order. */
export type UpdateSummary = { readonly norm: number; readonly layerSizes: readonly number[] };

/** A selected client that produced no accepted update. Data, not an exception. */
export type FitFailure = { readonly participant: Address; readonly reason: string };

/** Reads accepted updates back (from memory or streamed from the store). */
export interface UpdateSource {
  /** Number of parameters of every update. */
  readonly parameterCount: number;
  /**
   * Copies parameters [offset, offset + into.length) of the update `updateHash`,
   * flattened in layout order, into `into`.
   */
  read(updateHash: Hex, offset: number, into: Float32Array): Promise<void>;
}

export type AggregateFitParameters = {
  round: number;
  layout: readonly LayerSpec[];
  global: Weights;
  /** Sorted by ascending participant address (the canonical order). */
  results: readonly FitResult[];
  failures: readonly FitFailure[];
  source: UpdateSource;
};

/**
 * What aggregateFit returns: the next global model, and the accepted updates the strategy
 * left out of it as a whole (each with the reason), in canonical order. Rejected updates
 * earn nothing. Coordinate-wise rules (median, trimmed mean) reject no update: every
 * update still contributes coordinates.
 */
export type AggregateFitResult = { readonly weights: Weights; readonly rejected: readonly FitFailure[] };

export type EvaluationMetrics = { loss: number; accuracy: number; numSamples: number };

/**
 * The algorithm of federated training, after Flower's Strategy: it holds no
 * orchestration (the round engine does), only how to initialise, whom to select,
 * how to bound and combine updates, and how to evaluate.
 */
export interface Strategy {
  readonly name: string;
  /** The genesis model (its hash starts the on-chain lineage). */
  initializeParameters(): Promise<Weights>;
  /** Picks this round's clients from those available. */
  configureFit(round: number, available: readonly ClientProxy[]): readonly ClientProxy[];
  /**
   * Robustness bound for one update before it is accepted, judged on its summary (the
   * coordinator does not materialize the values to validate them); a string is the
   * refusal reason.
   */
  checkUpdate(update: UpdateSummary): string | undefined;
  /**
   * Combines the accepted updates deterministically into the next global model, and says
   * which updates it rejected. The same updates (in any order) and the same global model
   * give the same bytes.
   */
  aggregateFit(parameters: AggregateFitParameters): Promise<AggregateFitResult>;
  /** Picks clients for federated evaluation (none by default). */
  configureEvaluate(round: number, available: readonly ClientProxy[]): readonly ClientProxy[];
  /** Combines client-side evaluation results. */
  aggregateEvaluate(round: number, results: readonly EvaluationMetrics[]): EvaluationMetrics | undefined;
  /** Server-side evaluation of the global model on the coordinator's held-out set. */
  evaluate(round: number, weights: Weights): Promise<EvaluationMetrics | undefined>;
}
