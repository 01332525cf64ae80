import * as tf from "@tensorflow/tfjs";

type Attrs = {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: "valid" | "same" | number;
  dimRoundingMode?: "floor" | "round" | "ceil";
};

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
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as Attrs;
      const wasm = backend as tf.KernelBackend;
      const input = inputs.input as tf.TensorInfo;
      const dyInfo = inputs.dy as tf.TensorInfo;
      const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
      const x = wasm.readSync(input.dataId) as Float32Array;
      const dy = wasm.readSync(dyInfo.dataId) as Float32Array;
      const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
      const { top, left } = info.padInfo;
      const dx = new Float32Array(x.length);
      for (let b = 0; b < batchSize; b++) {
        const base = b * inHeight * inWidth * channels;
        for (let oh = 0; oh < outHeight; oh++) {
          const h0 = oh * strideHeight - top;
          for (let ow = 0; ow < outWidth; ow++) {
            const w0 = ow * strideWidth - left;
            const outBase = ((b * outHeight + oh) * outWidth + ow) * channels;
            for (let c = 0; c < channels; c++) {
              let best = -1;
              let max = Number.NEGATIVE_INFINITY;
              for (let fh = 0; fh < filterHeight; fh++) {
                const h = h0 + fh;
                if (h < 0 || h >= inHeight) continue;
                for (let fw = 0; fw < filterWidth; fw++) {
                  const w = w0 + fw;
                  if (w < 0 || w >= inWidth) continue;
                  const at = base + (h * inWidth + w) * channels + c;
                  const value = x[at] as number;
                  if (value > max || best < 0) {
                    max = value;
                    best = at;
                  }
                }
              }
              if (best >= 0) dx[best] = (dx[best] as number) + (dy[outBase + c] as number);
            }
          }
        }
      }
      return { dataId: wasm.write(dx, input.shape, "float32"), shape: input.shape, dtype: "float32" };
    },
  };
}
