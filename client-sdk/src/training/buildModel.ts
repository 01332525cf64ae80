import * as tf from "@tensorflow/tfjs";
import "./backend.ts";
import { kerasToTfjsConfig } from "../model/kerasToTfjs.ts";
import { checkWeights } from "./checkWeights.ts";
import { compileModelSpec, layerLayout, type ModelSpec } from "./modelSpec.ts";

export type BuildModelOptions = {
  /** Drop the final softmax, so that the model outputs logits. */
  logits?: boolean;
};

/**
 * The `tf.LayersModel` of a spec, for inference or interop (saving, `predict`): the
 * spec's Sequential topology, whose `getWeights()` order is {@link layerLayout}. If
 * `weights` (layout order) are given they are loaded; otherwise TensorFlow.js initialises
 * them (use `initialWeights` for the deterministic genesis model). Not compiled. Call
 * `selectBackend` first to run it on the fastest backend. The caller disposes it.
 */
export function buildModel(spec: ModelSpec, weights?: readonly Float32Array[], options: BuildModelOptions = {}): tf.LayersModel {
  const compiled = compileModelSpec(spec);
  const layout = layerLayout(spec);
  if (weights !== undefined) checkWeights(layout, weights, "Weights");
  const topology = compiled.kerasTopology(options.logits ?? false);
  const model = tf.Sequential.fromConfig(tf.Sequential, kerasToTfjsConfig(topology.config) as tf.serialization.ConfigDict) as tf.Sequential;
  if (weights !== undefined) {
    const tensors = layout.map((entry, index) => tf.tensor(weights[index] as Float32Array, [...entry.shape], "float32"));
    try {
      model.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }
  return model;
}
