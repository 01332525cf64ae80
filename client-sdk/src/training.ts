// Public entry `@fedledger/client-sdk/training`: local training and evaluation with
// TensorFlow.js. Kept apart from the main entry so that protocol-only users (the
// coordinator's transport, auditors) never load TensorFlow.js.
export { BACKEND_NAMES, type BackendName, currentBackend, describeBackend, ensureBackend, selectBackend, type SelectBackendOptions } from "./training/backend.ts";
export { buildModel } from "./training/buildModel.ts";
export { evaluateModel, type EvaluateModelParameters } from "./training/evaluateModel.ts";
export { loadExportedModel } from "./modelFiles/loadExportedModel.ts";
export { type ClassPredictions, predictClasses } from "./modelFiles/predictClasses.ts";
export { writeExportedModel, type WriteExportedModelParameters, type WrittenModel } from "./modelFiles/writeExportedModel.ts";
export type { ModelMetrics } from "./training/measureModel.ts";
export { createProgressBar, type ProgressBarOptions, type TrainingProgressBar } from "./training/progressBar.ts";
export { trainLocal, type TrainLocalParameters, type TrainLocalResult, type TrainMetrics, type TrainProgress } from "./training/trainLocal.ts";
