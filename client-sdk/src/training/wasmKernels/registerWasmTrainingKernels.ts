import * as tf from "@tensorflow/tfjs";
import { broadcastAddKernel } from "./broadcastAdd.ts";
import { conv2DBackpropFilterKernel } from "./conv2DBackpropFilter.ts";
import { conv2DBackpropInputKernel } from "./conv2DBackpropInput.ts";
import { cpuFallbackKernel } from "./cpuFallbackKernel.ts";
import { maxPoolGradKernel } from "./maxPoolGrad.ts";
import { transposedMatMulKernel } from "./transposedMatMul.ts";

/** Gradient kernels training needs that the wasm backend does not register. */
export const WASM_MISSING_TRAINING_KERNELS = [
  "Conv2DBackpropFilter",
  "DepthwiseConv2dNativeBackpropFilter",
  "DepthwiseConv2dNativeBackpropInput",
] as const;

/**
 * wasm kernels replaced: MaxPoolGrad of tfjs-backend-wasm 4.22 disagrees with the cpu
 * backend's on random [2, 8, 8, 3] inputs (see wasmKernels.test.ts); its
 * Conv2DBackpropInput is a scalar loop; BatchMatMul and Add are wrapped for speed (see
 * transposedMatMul.ts, broadcastAdd.ts).
 */
export const WASM_REPLACED_TRAINING_KERNELS = ["MaxPoolGrad", "Conv2DBackpropInput"] as const;

let registered = false;

/** Registers (once) the wasm kernels training needs; call after the wasm backend is ready. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const matMul = transposedMatMulKernel();
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel(matMul);
  const kernels = [conv2DBackpropFilterKernel(), cpuFallbackKernel("DepthwiseConv2dNativeBackpropFilter"), cpuFallbackKernel("DepthwiseConv2dNativeBackpropInput")];
  for (const kernel of kernels) {
    if (tf.getKernel(kernel.kernelName, "wasm") === undefined) tf.registerKernel(kernel);
  }
  for (const kernel of [maxPoolGradKernel(), conv2DBackpropInputKernel(), broadcastAddKernel()]) {
    if (tf.getKernel(kernel.kernelName, "wasm") !== undefined) tf.unregisterKernel(kernel.kernelName, "wasm");
    tf.registerKernel(kernel);
  }
}
