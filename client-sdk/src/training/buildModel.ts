import * as tf from "@tensorflow/tfjs";
import "./backend.ts";
import { checkWeights } from "./checkWeights.ts";
import { inputSize, layerLayout, type ModelSpec, parseModelSpec } from "./modelSpec.ts";

/**
 * The `tf.LayersModel` of a spec, for inference or interop (saving, `predict`): an
 * optional Flatten (when `inputShape` has rank > 1), then Dense layers `dense_0`,
 * `dense_1`, ... whose `getWeights()` order is {@link layerLayout}. If `weights` (layout
 * order) are given they are loaded; otherwise TensorFlow.js initialises them (use
 * `initialWeights` for the deterministic genesis model). Not compiled. Call
 * `selectBackend` first to run it on the fastest backend. The caller disposes it.
 */
export function buildModel(spec: ModelSpec, weights?: readonly Float32Array[]): tf.LayersModel {
  const checked = parseModelSpec(spec);
  const layout = layerLayout(checked);
  if (weights !== undefined) checkWeights(layout, weights, "Weights");
  const model = tf.sequential();
  if (checked.inputShape.length > 1) {
    model.add(tf.layers.flatten({ inputShape: [...checked.inputShape], name: "flatten" }));
  }
  checked.layers.forEach((layer, index) => {
    model.add(
      tf.layers.dense({
        units: layer.units,
        activation: layer.activation,
        name: `dense_${index}`,
        ...(index === 0 && checked.inputShape.length === 1 ? { inputShape: [inputSize(checked)] } : {}),
      }),
    );
  });
  if (weights !== undefined) {
    const tensors = layout.map((entry, index) =>
      tf.tensor(weights[index] as Float32Array, [...entry.shape], "float32"),
    );
    try {
      model.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }
  return model;
}
