import { z } from "zod";
import {
  assertWeightsMatchLayout,
  contentHashSync,
  FedLedgerError,
  isFedLedgerError,
  type LayerSpec,
  layerSize,
  parameterCount,
  type Weights,
} from "@fedledger/client-sdk";
import type {
  AggregateFitParameters,
  AggregateFitResult,
  ClientProxy,
  EvaluationMetrics,
  FitResult,
  Strategy,
  UpdateSummary,
} from "./Strategy.ts";
import { weightedDeltaAverage } from "./aggregate/weightedDeltaAverage.ts";
import { defineStrategy } from "./strategyDefinition.ts";

export type EvaluateFn = (weights: Weights) => Promise<EvaluationMetrics>;

export type FedAvgOptions = {
  layout: readonly LayerSpec[];
  /** The genesis model, layout order (copied). */
  initialWeights: Weights;
  /** Share of the available clients selected each round, in (0, 1]. */
  fractionFit: number;
  /** At least this many clients are selected (when available). */
  minFitClients: number;
  /** No round starts with fewer available clients; at least minFitClients. */
  minAvailableClients: number;
  /** Server-side evaluation of each new global model on held-out data. */
  evaluateFn?: EvaluateFn;
  /**
   * Parameters read per update and chunk when streaming from the UpdateSource. Any
   * positive integer gives the same bytes; default: planned from the model size.
   */
  chunkSize?: number;
};

const layerSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
});

const optionsSchema = z.object({
  layout: z.array(layerSchema).min(1, "must have at least one layer"),
  initialWeights: z.array(z.instanceof(Float32Array, { error: "every layer must be a Float32Array" })),
  fractionFit: z.number().gt(0).lte(1),
  minFitClients: z.number().int().min(1),
  minAvailableClients: z.number().int().min(1),
  evaluateFn: z.custom<EvaluateFn>((value) => typeof value === "function", "must be a function").optional(),
  chunkSize: z.number().int().positive().optional(),
});

/** Every problem with `value` against `schema`, as "path: message" lines. */
export function schemaProblems(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.map(String).join(".") || "options"}: ${issue.message}`);
}

/** Throws INVALID_CONFIG listing every problem, if there are any. */
export function assertNoProblems(strategy: string, problems: readonly string[]): void {
  if (problems.length > 0) {
    throw new FedLedgerError("INVALID_CONFIG", `Invalid ${strategy} options`, { details: problems.join("; ") });
  }
}

/** Every problem with the options every strategy shares, as "path: message" lines; empty if they are valid. */
export function fedAvgOptionProblems(options: FedAvgOptions): string[] {
  const problems = schemaProblems(optionsSchema, options);
  const { layout, initialWeights, minFitClients, minAvailableClients } = options;
  if (Number.isInteger(minFitClients) && Number.isInteger(minAvailableClients) && minAvailableClients < minFitClients) {
    problems.push(`minAvailableClients: must be at least minFitClients (${minFitClients}), got ${minAvailableClients}`);
  }
  if (layerSchema.array().min(1).safeParse(layout).success) {
    const names = layout.map((l) => l.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) problems.push(`layout: duplicate layer name ${duplicate}`);
    if (Array.isArray(initialWeights) && initialWeights.every((l) => l instanceof Float32Array)) {
      try {
        assertWeightsMatchLayout(initialWeights, layout);
        const bad = initialWeights.findIndex((layer) => layer.some((v) => !Number.isFinite(v)));
        if (bad >= 0) problems.push(`initialWeights.${bad}: holds a non-finite value`);
      } catch (error) {
        if (!isFedLedgerError(error)) throw error;
        problems.push(`initialWeights: ${error.shortMessage}${error.details ? ` (${error.details})` : ""}`);
      }
    }
  }
  return problems;
}

export function sameLayout(a: readonly LayerSpec[], b: readonly LayerSpec[]): boolean {
  return (
    a.length === b.length &&
    a.every((layer, i) => {
      const other = b[i];
      return other !== undefined && other.name === layer.name && other.shape.length === layer.shape.length && other.shape.every((d, j) => d === layer.shape[j]);
    })
  );
}

/** Orders addresses as 160-bit numbers (the canonical order; case does not matter). */
export function compareAddresses(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * `results` in canonical order: ascending participant address compared as a 160-bit
 * number (as the SDK's rederiveAggregate sorts). Throws INTERNAL on a repeated participant.
 */
export function canonicalResultOrder<T extends Pick<FitResult, "participant">>(results: readonly T[]): T[] {
  const keyed = results.map((result) => ({ result, key: BigInt(result.participant) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  keyed.forEach(({ key, result }, i) => {
    if (i > 0 && key === keyed[i - 1]?.key) {
      throw new FedLedgerError("INTERNAL", "Two results from one participant", { details: result.participant });
    }
  });
  return keyed.map((k) => k.result);
}

/**
 * Federated Averaging (McMahan, Moore, Ramage, Hampson, Agüera y Arcas, "Communication-
 * Efficient Learning of Deep Networks from Decentralized Data", AISTATS 2017): each round
 * a fraction of the clients trains locally from the global model, and the next global
 * model is the sample-weighted mean of their models. Here clients send deltas, so the
 * mean is g + Σ n_i Δ_i / N, computed by weightedDeltaAverage with a documented, bit-exact
 * arithmetic (auditors re-derive every aggregate). Optionally evaluates each new model
 * on the server.
 *
 * Client selection is deterministic per round (see configureFit), so a restarted
 * coordinator selects the same clients again.
 */
export class FedAvg implements Strategy {
  readonly name: string = "FedAvg";
  readonly layout: readonly LayerSpec[];
  readonly fractionFit: number;
  readonly minFitClients: number;
  readonly minAvailableClients: number;
  readonly chunkSize: number | undefined;
  readonly #initialWeights: Weights;
  readonly #evaluateFn: EvaluateFn | undefined;

  /** Throws INVALID_CONFIG listing every problem with `options`. */
  constructor(options: FedAvgOptions) {
    assertNoProblems("FedAvg", fedAvgOptionProblems(options));
    this.layout = options.layout.map((layer) => ({ name: layer.name, shape: [...layer.shape] }));
    this.#initialWeights = options.initialWeights.map((layer) => layer.slice());
    this.fractionFit = options.fractionFit;
    this.minFitClients = options.minFitClients;
    this.minAvailableClients = options.minAvailableClients;
    this.chunkSize = options.chunkSize;
    this.#evaluateFn = options.evaluateFn;
  }

  async initializeParameters(): Promise<Weights> {
    return this.#initialWeights.map((layer) => layer.slice());
  }

  /**
   * Selects max(minFitClients, ceil(fractionFit × available)) of the available clients,
   * or none if fewer than minAvailableClients are available. Deterministic: each client
   * is ranked by SHA-256("fedledger/FedAvg/configureFit/<round>/<lowercase address>") and
   * the lowest-ranked are taken (a seeded sample without replacement, independent of the
   * order of `available`); returned in ascending address order.
   */
  configureFit(round: number, available: readonly ClientProxy[]): readonly ClientProxy[] {
    assertRound(round);
    const unique = [...new Map(available.map((client) => [client.address.toLowerCase(), client])).values()];
    if (unique.length < this.minAvailableClients) return [];
    // The epsilon absorbs float noise such as 0.1 × 30 = 3.0000000000000004.
    const wanted = Math.max(this.minFitClients, Math.ceil(this.fractionFit * unique.length - 1e-9));
    const count = Math.min(unique.length, wanted);
    const encoder = new TextEncoder();
    const ranked = unique
      .map((client) => ({
        client,
        rank: contentHashSync(encoder.encode(`fedledger/FedAvg/configureFit/${round}/${client.address.toLowerCase()}`)),
      }))
      .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
    return ranked
      .slice(0, count)
      .map(({ client }) => client)
      .sort((a, b) => compareAddresses(a.address, b.address));
  }

  /**
   * Refuses an update that does not match the layout or holds a non-finite value (its norm
   * is then not finite). The absolute norm bound is the coordinator's (`safety.maxUpdateNorm`).
   */
  checkUpdate({ norm, layerSizes }: UpdateSummary): string | undefined {
    if (layerSizes.length !== this.layout.length || this.layout.some((layer, i) => layerSizes[i] !== layerSize(layer))) {
      return "update does not match the model layout";
    }
    return Number.isFinite(norm) ? undefined : `update L2 norm ${norm} is not finite`;
  }

  /**
   * The next global model: the global plus the sample-weighted mean of the deltas, in
   * canonical order (results are re-sorted here, so any order gives the same bytes). With
   * no results, a copy of the global. Rejects nothing. The returned layers are views into
   * one buffer.
   */
  async aggregateFit(parameters: AggregateFitParameters): Promise<AggregateFitResult> {
    const results = this.checkAggregateInputs(parameters);
    if (results.length === 0) return { weights: parameters.global.map((layer) => layer.slice()), rejected: [] };
    const flat = await weightedDeltaAverage({ ...this.chunking(), global: parameters.global, results, source: parameters.source });
    return { weights: this.toLayers(flat), rejected: [] };
  }

  /** Checks the layout and the global model; returns the results in canonical order. */
  protected checkAggregateInputs(parameters: AggregateFitParameters): FitResult[] {
    const { layout, global, results, source } = parameters;
    if (!sameLayout(layout, this.layout)) {
      throw new FedLedgerError("SHAPE_MISMATCH", "aggregateFit got a different layout than the strategy's");
    }
    assertWeightsMatchLayout(global, layout);
    const count = parameterCount(layout);
    if (results.length > 0 && source.parameterCount !== count) {
      throw new FedLedgerError("SHAPE_MISMATCH", "Updates and global model differ in size", {
        details: `global has ${count} parameters, updates ${source.parameterCount}`,
      });
    }
    return canonicalResultOrder(results);
  }

  /** The configured chunk size, as the aggregation kernels take it. */
  protected chunking(): { chunkSize?: number } {
    return this.chunkSize === undefined ? {} : { chunkSize: this.chunkSize };
  }

  /** A flattened model as layers in layout order (views into `flat`). */
  protected toLayers(flat: Float32Array): Weights {
    let offset = 0;
    return this.layout.map((layer) => {
      const size = layerSize(layer);
      offset += size;
      return flat.subarray(offset - size, offset);
    });
  }

  /** Server-side evaluation is the default: no client is asked to evaluate. */
  configureEvaluate(round: number, _available: readonly ClientProxy[]): readonly ClientProxy[] {
    assertRound(round);
    return [];
  }

  /** Sample-weighted mean of loss and accuracy; undefined without samples. */
  aggregateEvaluate(_round: number, results: readonly EvaluationMetrics[]): EvaluationMetrics | undefined {
    const counted = results.filter((r) => r.numSamples > 0);
    const numSamples = counted.reduce((n, r) => n + r.numSamples, 0);
    if (numSamples === 0) return undefined;
    const mean = (pick: (r: EvaluationMetrics) => number): number =>
      counted.reduce((sum, r) => sum + r.numSamples * pick(r), 0) / numSamples;
    return { loss: mean((r) => r.loss), accuracy: mean((r) => r.accuracy), numSamples };
  }

  async evaluate(_round: number, weights: Weights): Promise<EvaluationMetrics | undefined> {
    return this.#evaluateFn ? this.#evaluateFn(weights) : undefined;
  }
}

function assertRound(round: number): void {
  if (!Number.isSafeInteger(round) || round < 0) {
    throw new FedLedgerError("INTERNAL", "Round numbers are non-negative integers", { details: String(round) });
  }
}

/** The registry's entry. */
export const fedAvgStrategy = defineStrategy(
  z.strictObject({ name: z.literal("fedavg") }),
  (_, common) => new FedAvg(common),
);
