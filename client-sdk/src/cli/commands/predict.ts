import type { Hex } from "viem";
import type { Dataset } from "../../data/Dataset.ts";
import type { BackendName } from "../../training/backend.ts";
import { formatFields } from "../format/formatTable.ts";
import { loadDatasetSpec } from "../loadDatasetSpec.ts";
import { type DatasetSpec, describeDatasetSpec } from "../parseDatasetSpec.ts";

export type PredictOptions = { model: string; dataset: DatasetSpec; backend?: BackendName };
export type PredictDependencies = { loadDataset?: (spec: DatasetSpec) => Promise<Dataset> };
export type PredictResult = {
  readonly model: string;
  /** From the model's fedledger metadata, when it has one. */
  readonly modelHash: Hex | null;
  readonly round: number | null;
  readonly dataset: string;
  readonly samples: number;
  /** The predicted class of each row. */
  readonly predictions: readonly number[];
  /** Fraction of rows predicted as labelled. */
  readonly accuracy: number;
};

/** `fedledger predict`: runs an exported model over a dataset file. Throws SHAPE_MISMATCH when the data does not fit the model's input. */
export async function predictCommand(options: PredictOptions, dependencies: PredictDependencies = {}): Promise<PredictResult> {
  const dataset = await (dependencies.loadDataset ?? loadDatasetSpec)(options.dataset);
  if (options.backend !== undefined) {
    const { selectBackend } = await import("../../training/backend.ts");
    await selectBackend({ preferred: options.backend });
  }
  const { loadExportedModel } = await import("../../modelFiles/loadExportedModel.ts");
  const { predictClasses } = await import("../../modelFiles/predictClasses.ts");
  const { model, directory } = await loadExportedModel(options.model);
  try {
    const { predictions, accuracy } = await predictClasses(model, dataset);
    return {
      model: options.model,
      modelHash: directory.metadata?.modelHash ?? null,
      round: directory.metadata?.round ?? null,
      dataset: describeDatasetSpec(options.dataset),
      samples: dataset.numSamples,
      predictions,
      accuracy,
    };
  } finally {
    model.dispose();
  }
}

/** The summary, then one `row  class` line per sample. */
export function formatPredict(result: PredictResult): string {
  const header = formatFields([
    ["Model", result.model + (result.round === null ? "" : ` (round ${result.round}, ${result.modelHash})`)],
    ["Dataset", `${result.dataset} (${result.samples} samples)`],
    ["Accuracy", result.accuracy.toFixed(4)],
  ]);
  return [header, "", "row  predicted", ...result.predictions.map((p, i) => `${i}  ${p}`)].join("\n");
}
