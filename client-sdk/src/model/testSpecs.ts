import type { ModelSpec } from "./modelSpecSchema.ts";

const glorot = { class_name: "VarianceScaling", config: { scale: 1, mode: "fan_avg", distribution: "uniform", seed: null } };

/** NIID-Bench's simple-cnn for 28×28×1 images: conv 6@5×5, pool, conv 16@5×5, pool, fc 120, fc 84, fc 10. */
export function simpleCnnSpec(inputShape: readonly number[] = [28, 28, 1], classes = 10): ModelSpec {
  return {
    class_name: "Sequential",
    config: {
      name: "simple_cnn",
      layers: [
        { class_name: "Conv2D", config: { name: "conv1", filters: 6, kernel_size: [5, 5], activation: "relu", kernel_initializer: glorot, batch_input_shape: [null, ...inputShape] } },
        { class_name: "MaxPooling2D", config: { name: "pool1", pool_size: [2, 2] } },
        { class_name: "Conv2D", config: { name: "conv2", filters: 16, kernel_size: [5, 5], activation: "relu", kernel_initializer: glorot } },
        { class_name: "MaxPooling2D", config: { name: "pool2", pool_size: [2, 2] } },
        { class_name: "Flatten", config: { name: "flatten" } },
        { class_name: "Dense", config: { name: "fc1", units: 120, activation: "relu", kernel_initializer: glorot } },
        { class_name: "Dense", config: { name: "fc2", units: 84, activation: "relu", kernel_initializer: glorot } },
        { class_name: "Dense", config: { name: "fc3", units: classes, activation: "softmax", kernel_initializer: glorot } },
      ],
    },
  };
}
