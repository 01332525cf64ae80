import { parseModelSpec } from "../training/modelSpec.ts";
import { checkTrainingData, type TrainingData } from "../training/trainingData.ts";

/**
 * A check of the participant's local data against a model spec from the coordinator:
 * INVALID_CONFIG for a spec that is not valid, SHAPE_MISMATCH naming both shapes when the
 * data does not fit the model's input, INVALID_DATASET for labels the model cannot output.
 * The last spec that passed is remembered, so a reconnect or a round does not rescan the
 * data for the same model.
 */
export function createDataCheck(data: TrainingData): (modelSpec: unknown) => void {
  let passed: string | undefined;
  return (modelSpec) => {
    const spec = parseModelSpec(modelSpec);
    const key = JSON.stringify(spec);
    if (key === passed) return;
    checkTrainingData(spec, data);
    passed = key;
  };
}
