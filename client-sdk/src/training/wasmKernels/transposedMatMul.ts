import * as tf from "@tensorflow/tfjs";

type MatMulAttrs = { transposeA: boolean; transposeB: boolean };

/**
 * Wraps wasm's BatchMatMul: its XNNPACK path covers only the plain a·b case, and a
 * transposed operand (every dense-layer gradient) falls back to a loop about 15× slower,
 * so a transposed operand is transposed explicitly first (wasm's Transpose kernel).
 */
export function transposedMatMulKernel(): tf.KernelConfig {
  const original = tf.getKernel("BatchMatMul", "wasm");
  const transpose = tf.getKernel("Transpose", "wasm");
  if (original === undefined || transpose === undefined) throw new Error("wasm BatchMatMul/Transpose kernels missing");
  return {
    kernelName: "BatchMatMul",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
      if (!transposeA && !transposeB) return original.kernelFunc({ inputs, attrs: attrs ?? {}, backend });
      const wasm = backend as tf.KernelBackend;
      const swap = (info: tf.TensorInfo): tf.TensorInfo => {
        const rank = info.shape.length;
        const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
        return transpose.kernelFunc({ inputs: { x: info }, attrs: { perm }, backend }) as tf.TensorInfo;
      };
      const a = inputs.a as tf.TensorInfo;
      const b = inputs.b as tf.TensorInfo;
      const aa = transposeA ? swap(a) : a;
      const bb = transposeB ? swap(b) : b;
      try {
        return original.kernelFunc({ inputs: { a: aa, b: bb }, attrs: { ...attrs, transposeA: false, transposeB: false }, backend });
      } finally {
        if (aa !== a) wasm.disposeData(aa.dataId);
        if (bb !== b) wasm.disposeData(bb.dataId);
      }
    },
  };
}
