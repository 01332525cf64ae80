import * as tf from "@tensorflow/tfjs";

/** The wasm backend's registered kernels of these names (throws when one is missing). */
export function wasmKernels<const Names extends readonly string[]>(...names: Names): { [K in keyof Names]: tf.KernelConfig } {
  return names.map((name) => {
    const config = tf.getKernel(name, "wasm");
    if (config === undefined) throw new Error(`wasm kernel ${name} missing`);
    return config;
  }) as { [K in keyof Names]: tf.KernelConfig };
}

/** Runs kernels on one backend inside a composite kernel and frees their intermediate outputs. */
export type KernelScratch = {
  run: (config: tf.KernelConfig, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) => tf.TensorInfo;
  /** Frees every output of `run` (call in `finally`, after the last `run`). */
  dispose: () => void;
};

export function kernelScratch(backend: unknown): KernelScratch {
  const outputs: tf.TensorInfo[] = [];
  return {
    run: (config, inputs, attrs) => {
      const out = config.kernelFunc({ inputs, attrs, backend: backend as tf.KernelBackend }) as tf.TensorInfo;
      outputs.push(out);
      return out;
    },
    dispose: () => {
      for (const info of outputs) (backend as tf.KernelBackend).disposeData(info.dataId);
    },
  };
}
