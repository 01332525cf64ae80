import type * as tf from "@tensorflow/tfjs";
import { kernelScratch, wasmKernels } from "./kernelScratch.ts";

type MatMulAttrs = { transposeA: boolean; transposeB: boolean };

/**
 * Wraps wasm's BatchMatMul: its XNNPACK path covers only the plain a·b case, and a
 * transposed operand (every dense-layer gradient) falls back to a loop about 15× slower,
 * so a transposed operand is transposed explicitly first (wasm's Transpose kernel).
 * XNNPACK repacks b on every call (weights change every step), so for a·bᵀ with a short a
 * (dy·Wᵀ, the gradient of a dense layer's input) the product runs as (b·aᵀ)ᵀ when moving
 * aᵀ and the result costs less than moving bᵀ.
 */
export function transposedMatMulKernel(): tf.KernelConfig {
  const [original, transpose] = wasmKernels("BatchMatMul", "Transpose");
  return {
    kernelName: "BatchMatMul",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
      if (!transposeA && !transposeB) return original.kernelFunc({ inputs, attrs: attrs ?? {}, backend });
      const { run, dispose } = kernelScratch(backend);
      const swap = (info: tf.TensorInfo): tf.TensorInfo => {
        const rank = info.shape.length;
        return run(transpose, { x: info }, { perm: [...Array(rank - 2).keys(), rank - 1, rank - 2] });
      };
      const plain = { ...attrs, transposeA: false, transposeB: false };
      const a = inputs.a as tf.TensorInfo;
      const b = inputs.b as tf.TensorInfo;
      try {
        const [m = 0, k = 0] = a.shape;
        const n = b.shape[0] ?? 0;
        if (!transposeA && a.shape.length === 2 && b.shape.length === 2 && 2 * k * m + m * n < 2 * k * n) {
          const product = run(original, { a: b, b: swap(a) }, plain);
          return transpose.kernelFunc({ inputs: { x: product }, attrs: { perm: [1, 0] }, backend }) as tf.TensorInfo;
        }
        return original.kernelFunc({ inputs: { a: transposeA ? swap(a) : a, b: transposeB ? swap(b) : b }, attrs: plain, backend });
      } finally {
        dispose();
      }
    },
  };
}
