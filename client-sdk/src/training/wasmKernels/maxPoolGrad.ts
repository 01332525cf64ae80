import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * MaxPoolGrad for wasm (tfjs-backend-wasm 4.22's own disagrees with the cpu backend's, and
 * the cpu kernel is slow): each output's gradient goes to the first maximum of its window
 * in row-major order (padding never wins), as the cpu backend does; overlapping windows add.
 */
export function maxPoolGradKernel(): tf.KernelConfig {
  return {
    kernelName: "MaxPoolGrad",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
      const wasm = backend as BackendWasm;
      const input = inputs.input as tf.TensorInfo;
      const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
      const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
      const { top, left } = info.padInfo;
      // Views on the wasm heap, taken after the only allocation (a view dies if the heap grows).
      const out = wasm.makeOutput(input.shape, "float32");
      const dx = wasm.typedArrayFromHeap(out).fill(0);
      const x = wasm.typedArrayFromHeap(input);
      const dy = wasm.typedArrayFromHeap(inputs.dy as tf.TensorInfo);
      // Per window, channels innermost (contiguous in NHWC): the running max and its index per channel.
      const max = new Float32Array(channels);
      const best = new Int32Array(channels);
      for (let b = 0; b < batchSize; b++) {
        const base = b * inHeight * inWidth * channels;
        for (let oh = 0; oh < outHeight; oh++) {
          const h0 = oh * strideHeight - top;
          for (let ow = 0; ow < outWidth; ow++) {
            const w0 = ow * strideWidth - left;
            let first = true;
            for (let fh = 0; fh < filterHeight; fh++) {
              const h = h0 + fh;
              if (h < 0 || h >= inHeight) continue;
              for (let fw = 0; fw < filterWidth; fw++) {
                const w = w0 + fw;
                if (w < 0 || w >= inWidth) continue;
                const at = base + (h * inWidth + w) * channels;
                if (first) {
                  first = false;
                  for (let c = 0; c < channels; c++) {
                    max[c] = x[at + c] as number;
                    best[c] = at + c;
                  }
                  continue;
                }
                for (let c = 0; c < channels; c++) {
                  const value = x[at + c] as number;
                  if (value > (max[c] as number)) {
                    max[c] = value;
                    best[c] = at + c;
                  }
                }
              }
            }
            if (first) continue;
            const outBase = ((b * outHeight + oh) * outWidth + ow) * channels;
            for (let c = 0; c < channels; c++) {
              const at = best[c] as number;
              dx[at] = (dx[at] as number) + (dy[outBase + c] as number);
            }
          }
        }
      }
      return out;
    },
  };
}
