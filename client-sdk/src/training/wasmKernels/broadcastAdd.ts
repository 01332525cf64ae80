import type * as tf from "@tensorflow/tfjs";
import { kernelScratch, wasmKernels } from "./kernelScratch.ts";

/** Channel counts up to this are added row-group-wise (above it wasm's own add is as fast). */
const MAX_CHANNELS = 32;

/**
 * Wraps wasm's Add: XNNPACK adds a broadcast trailing vector (a convolution's bias of c
 * channels over [n, h, w, c]) one row of c values at a time, about 8× slower than a
 * same-shape add for c = 6. For such a vector the add runs on a seen as [rows / k, k·c],
 * with the vector tiled k times (k = a's second-to-last axis). Other adds pass through.
 */
export function broadcastAddKernel(): tf.KernelConfig {
  const [original, tile, reshape] = wasmKernels("Add", "Tile", "Reshape");
  return {
    kernelName: "Add",
    backendName: "wasm",
    kernelFunc: (call) => {
      const a = call.inputs.a as tf.TensorInfo;
      const b = call.inputs.b as tf.TensorInfo;
      const rank = a.shape.length;
      const channels = a.shape[rank - 1] ?? 0;
      const group = a.shape[rank - 2] ?? 1;
      const size = a.shape.reduce((x, y) => x * y, 1);
      const last = b.shape.length - 1;
      const vector = last >= 0 && last < rank && b.shape[last] === channels && b.shape.every((d, i) => i === last || d === 1);
      if (!vector || channels < 2 || channels > MAX_CHANNELS || group < 2 || a.dtype !== b.dtype || size < 4 * group * channels) {
        return original.kernelFunc(call);
      }
      const { run, dispose } = kernelScratch(call.backend);
      try {
        const row = run(reshape, { x: b }, { shape: [channels] });
        const tiled = run(tile, { x: row }, { reps: [group] });
        const rows = run(reshape, { x: a }, { shape: [size / (group * channels), group * channels] });
        const sum = run(original, { a: rows, b: tiled }, {});
        return reshape.kernelFunc({ inputs: { x: sum }, attrs: { shape: a.shape }, backend: call.backend }) as tf.TensorInfo;
      } finally {
        dispose();
      }
    },
  };
}
