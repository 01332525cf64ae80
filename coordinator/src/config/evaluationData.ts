import { z } from "zod";
import {
  checkTrainingData,
  csvSpecOptions,
  type Dataset,
  DATASET_SPEC_FORMS,
  type DatasetSpec,
  FedLedgerError,
  holdOut,
  isFedLedgerError,
  loadDatasetSpec,
  type ModelSpec,
  parseDatasetSpec,
} from "@fedledger/client-sdk";

/** Held-out share of the built-in `mnist` digits by default: the demo's participants train on the same digits. */
const MNIST_TEST_FRACTION = 0.15;

/**
 * The coordinator's server-side evaluation data (the loss check and the value scorers'
 * validation utility): any dataset spec the participant CLI takes, with its csv options.
 */
export const evaluationConfigSchema = z
  .strictObject({
    /** `mnist`, `mnist:COUNT`, `idx:IMAGES,LABELS` or `csv:PATH`, as `fedledger fingerprint` takes it. */
    dataset: z.string().min(1),
    /** csv only, as the CLI's `--label-column`, `--feature-columns`, `--no-header` (header: false) and `--delimiter`. */
    labelColumn: z.string().optional(),
    featureColumns: z.string().optional(),
    header: z.boolean().optional(),
    delimiter: z.string().optional(),
    /** Share held out after a seeded shuffle. Default: 0.15 for mnist, 1 (the whole file) for idx and csv. */
    testFraction: z.number().gt(0).max(1).optional(),
    seed: z.int().min(0).default(7),
  })
  .transform((evaluation, ctx) => {
    let spec: DatasetSpec;
    try {
      spec = parseDatasetSpec(evaluation.dataset, csvSpecOptions(evaluation));
    } catch (error) {
      const message = isFedLedgerError(error) ? `${error.shortMessage}${error.details ? ` (${error.details})` : ""}` : String(error);
      ctx.addIssue({ code: "custom", path: ["dataset"], message: `${message}; expected ${DATASET_SPEC_FORMS}` });
      return z.NEVER;
    }
    return { ...evaluation, testFraction: evaluation.testFraction ?? (spec.kind === "mnist" ? MNIST_TEST_FRACTION : 1) };
  });

export type EvaluationConfig = z.output<typeof evaluationConfigSchema>;

/**
 * Loads the configured evaluation data: the dataset shuffled with `seed`, and its
 * `testFraction` share held out. Checked against `spec` when given, so data that does not
 * fit the model stops the coordinator at start, not at the first round. Throws what the
 * loaders throw (INVALID_DATASET, INVALID_CONFIG) and SHAPE_MISMATCH naming both shapes.
 */
export async function loadEvaluationData(evaluation: EvaluationConfig, spec?: ModelSpec): Promise<Dataset> {
  const data = holdOut(await loadDatasetSpec(parseDatasetSpec(evaluation.dataset, csvSpecOptions(evaluation))), { testFraction: evaluation.testFraction, seed: evaluation.seed });
  if (spec !== undefined) {
    try {
      checkTrainingData(spec, data);
    } catch (error) {
      if (!isFedLedgerError(error)) throw error;
      throw new FedLedgerError(error.code, `The evaluation data ${evaluation.dataset} does not fit the model: ${error.shortMessage}`, {
        ...(error.details === undefined ? {} : { details: error.details }),
        cause: error,
      });
    }
  }
  return data;
}
