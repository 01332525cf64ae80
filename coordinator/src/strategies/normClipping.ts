import type { Hex } from "viem";
import { z } from "zod";
import { FedLedgerError, upperMedian, type Weights } from "@fedledger/client-sdk";
import type {
  AggregateFitParameters,
  AggregateFitResult,
  ClientProxy,
  EvaluationMetrics,
  FitResult,
  Strategy,
  UpdateSource,
  UpdateSummary,
} from "./Strategy.ts";
import { assertNoProblems, schemaProblems } from "./fedAvg.ts";

/** Configurable parameters (the registry's `clip` entry adds `name` and `inner`): exactly one bound. */
export const normClippingParameters = z.object({
  /** Largest L2 norm a delta keeps; longer deltas are scaled down to it. */
  maxNorm: z.number().positive().max(Number.MAX_VALUE).optional(),
  /** Adaptive bound: this multiple of the round's upper median norm (1: clip to the median). */
  medianMultiple: z.number().min(1).max(1e6).optional(),
});

export type NormClippingBound = { maxNorm: number; medianMultiple?: undefined } | { medianMultiple: number; maxNorm?: undefined };

/** The one problem a clip config can have on its own: not exactly one bound. */
export function clipBoundProblem(options: { maxNorm?: number | undefined; medianMultiple?: number | undefined }): string | undefined {
  return (options.maxNorm === undefined) === (options.medianMultiple === undefined) ? "give exactly one of maxNorm and medianMultiple" : undefined;
}

/** Coordinates read per pass when measuring norms. */
const NORM_CHUNK = 65_536;

/**
 * L2 norm of one update, streamed: sqrt(s) with s = +0; s = s + x[k]·x[k] for k ascending,
 * in binary64 (chunking cannot change it).
 */
export async function updateNorm(source: UpdateSource, updateHash: Hex, chunk = NORM_CHUNK): Promise<number> {
  const buffer = new Float32Array(Math.min(chunk, source.parameterCount));
  let sum = 0;
  for (let start = 0; start < source.parameterCount; start += buffer.length) {
    const view = buffer.subarray(0, Math.min(buffer.length, source.parameterCount - start));
    await source.read(updateHash, start, view);
    for (let k = 0; k < view.length; k++) sum += (view[k] as number) * (view[k] as number);
  }
  return Math.sqrt(sum);
}

/**
 * An UpdateSource that hands out each update scaled by its factor: x[k] becomes
 * float32(x[k] · factor) (binary64 product, one rounding); a factor of 1 leaves it as is.
 */
function scaledSource(source: UpdateSource, factors: ReadonlyMap<Hex, number>): UpdateSource {
  return {
    parameterCount: source.parameterCount,
    async read(updateHash, offset, into) {
      await source.read(updateHash, offset, into);
      const factor = factors.get(updateHash.toLowerCase() as Hex) ?? 1;
      if (factor === 1) return;
      for (let k = 0; k < into.length; k++) into[k] = (into[k] as number) * factor;
    },
  };
}

/**
 * Server-side norm clipping around any strategy (Sun, Kairouz, Suresh, McMahan, "Can You
 * Really Backdoor Federated Learning?", 2019): before the inner strategy aggregates, every
 * delta whose L2 norm exceeds the bound is scaled by bound / norm (binary64 division, then
 * scaledSource's arithmetic), so no single update can move the model further than the
 * bound. The bound is fixed (`maxNorm`) or adaptive: `medianMultiple` × the upper median
 * of the round's norms (as the contribution scores cap each player, see the SDK's
 * capPlayerNorms), which an honest majority sets without anyone tuning a number.
 * Everything else (selection, checks, evaluation, rejections) is the inner strategy's.
 */
export class NormClipping implements Strategy {
  readonly name: string;
  readonly bound: NormClippingBound;
  readonly inner: Strategy;

  constructor(options: NormClippingBound & { inner: Strategy }) {
    const bound: NormClippingBound = options.maxNorm === undefined ? { medianMultiple: options.medianMultiple } : { maxNorm: options.maxNorm };
    const problem = clipBoundProblem(options);
    assertNoProblems("NormClipping", [...schemaProblems(normClippingParameters, bound), ...(problem ? [problem] : [])]);
    this.bound = bound;
    this.inner = options.inner;
    this.name = `NormClipping(${options.inner.name})`;
  }

  initializeParameters(): Promise<Weights> {
    return this.inner.initializeParameters();
  }

  configureFit(round: number, available: readonly ClientProxy[]): readonly ClientProxy[] {
    return this.inner.configureFit(round, available);
  }

  checkUpdate(update: UpdateSummary): string | undefined {
    return this.inner.checkUpdate(update);
  }

  async aggregateFit(parameters: AggregateFitParameters): Promise<AggregateFitResult> {
    const norms: number[] = [];
    for (const result of parameters.results) norms.push(await finiteNorm(result, parameters.source));
    const maxNorm = this.bound.maxNorm ?? this.bound.medianMultiple * upperMedian(norms);
    const factors = new Map<Hex, number>();
    parameters.results.forEach((result, i) => {
      const norm = norms[i] as number;
      factors.set(result.updateHash.toLowerCase() as Hex, norm > maxNorm && norm > 0 ? maxNorm / norm : 1);
    });
    return this.inner.aggregateFit({ ...parameters, source: scaledSource(parameters.source, factors) });
  }

  configureEvaluate(round: number, available: readonly ClientProxy[]): readonly ClientProxy[] {
    return this.inner.configureEvaluate(round, available);
  }

  aggregateEvaluate(round: number, results: readonly EvaluationMetrics[]): EvaluationMetrics | undefined {
    return this.inner.aggregateEvaluate(round, results);
  }

  evaluate(round: number, weights: Weights): Promise<EvaluationMetrics | undefined> {
    return this.inner.evaluate(round, weights);
  }
}

async function finiteNorm(result: FitResult, source: UpdateSource): Promise<number> {
  const norm = result.norm ?? (await updateNorm(source, result.updateHash));
  if (!Number.isFinite(norm)) {
    throw new FedLedgerError("NON_FINITE", "An accepted update has a non-finite norm", { details: result.updateHash });
  }
  return norm;
}
