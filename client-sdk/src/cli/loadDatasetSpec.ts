import type { Dataset } from "../data/Dataset.ts";
import { loadCsvDataset } from "../data/loadCsv.ts";
import { loadIdxDataset } from "../data/loadIdx.ts";
import { loadMnistDigits } from "../data/loadMnistDigits.ts";
import type { DatasetSpec } from "./parseDatasetSpec.ts";

/** Loads the dataset a {@link DatasetSpec} names. Throws INVALID_DATASET / INVALID_CONFIG from the loaders. */
export async function loadDatasetSpec(spec: DatasetSpec): Promise<Dataset> {
  switch (spec.kind) {
    case "mnist":
      return loadMnistDigits({ count: spec.count });
    case "idx":
      return loadIdxDataset({ imagesPath: spec.imagesPath, labelsPath: spec.labelsPath });
    case "csv":
      return loadCsvDataset(spec.path, spec.options);
  }
}
