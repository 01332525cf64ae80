import * as tf from "@tensorflow/tfjs";
import { FedLedgerError } from "../../errors/FedLedgerError.ts";

/**
 * A wasm kernel that runs the cpu backend's implementation of `kernelName`: inputs are
 * copied out of the wasm heap into the cpu backend, the cpu kernel runs, and its output is
 * copied back. For gradient kernels wasm lacks whose cost is small next to the
 * convolutions around them (depthwise filter and input gradients).
 */
export function cpuFallbackKernel(kernelName: string): tf.KernelConfig {
  return {
    kernelName,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const cpuKernel = tf.getKernel(kernelName, "cpu");
      const cpu = tf.findBackend("cpu") as tf.KernelBackend | null;
      if (cpuKernel === undefined || cpu === null) {
        throw new FedLedgerError("TRAINING_ERROR", "The cpu backend is not available", { details: kernelName });
      }
      const wasm = backend as tf.KernelBackend;
      const cpuInputs: Record<string, tf.TensorInfo> = {};
      try {
        for (const [name, info] of Object.entries(inputs)) {
          if (info === undefined) continue;
          const values = wasm.readSync(info.dataId) as tf.backend_util.BackendValues;
          cpuInputs[name] = { dataId: cpu.write(values, info.shape, info.dtype), shape: info.shape, dtype: info.dtype };
        }
        const output = cpuKernel.kernelFunc({ inputs: cpuInputs, attrs: attrs ?? {}, backend: cpu }) as tf.TensorInfo;
        try {
          const values = cpu.readSync(output.dataId) as tf.backend_util.BackendValues;
          return { dataId: wasm.write(values, output.shape, output.dtype), shape: output.shape, dtype: output.dtype };
        } finally {
          cpu.disposeData(output.dataId);
        }
      } finally {
        for (const info of Object.values(cpuInputs)) cpu.disposeData(info.dataId);
      }
    },
  };
}
