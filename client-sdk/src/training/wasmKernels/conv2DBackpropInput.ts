import * as tf from "@tensorflow/tfjs";
import { kernelScratch, wasmKernels } from "./kernelScratch.ts";

/**
 * Conv2DBackpropInput for wasm (its own is a scalar loop, about 4× slower than this on
 * NIID-Bench's second convolution), as one forward convolution on XNNPACK's Conv2D:
 * dx[n, h, w, c] = Σ_{p,q,k} dy[n, (h + top − p)/s, (w + left − q)/s, k] · W[p, q, c, k] is
 * dy, dilated by the stride (zeros between rows and columns) and padded, convolved with
 * W flipped in both spatial axes and with its channel axes swapped. NHWC only; any other
 * case runs the wasm backend's own kernel.
 */
export function conv2DBackpropInputKernel(): tf.KernelConfig {
  const [original, conv2D, transpose, reverse, pad, reshape] = wasmKernels("Conv2DBackpropInput", "Conv2D", "Transpose", "Reverse", "PadV2", "Reshape");
  return {
    kernelName: "Conv2DBackpropInput",
    backendName: "wasm",
    kernelFunc: (call) => {
      const { strides, pad: padding, dataFormat, dimRoundingMode, inputShape } = call.attrs as unknown as tf.Conv2DBackpropInputAttrs;
      const dy = call.inputs.dy as tf.TensorInfo;
      const filter = call.inputs.filter as tf.TensorInfo;
      const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, padding, dimRoundingMode);
      const { filterHeight, filterWidth, strideHeight, strideWidth, inHeight, inWidth, outHeight, outWidth, padInfo } = info;
      const top = filterHeight - 1 - padInfo.top;
      const left = filterWidth - 1 - padInfo.left;
      // dy dilated to outHeight·strideHeight rows (its last strideHeight − 1 are zeros), then `bottom` more.
      const bottom = inHeight + padInfo.top - outHeight * strideHeight;
      const right = inWidth + padInfo.left - outWidth * strideWidth;
      if (dataFormat !== "NHWC" || top < 0 || left < 0 || bottom < 0 || right < 0) return original.kernelFunc(call);
      const scratch = kernelScratch(call.backend);
      try {
        const [batch = 0, rows = 0, columns = 0, channels = 0] = dy.shape;
        let image = dy;
        if (strideHeight > 1 || strideWidth > 1) {
          const spread = scratch.run(reshape, { x: dy }, { shape: [batch, rows, 1, columns, 1, channels] });
          const padded = scratch.run(pad, { x: spread }, {
            paddings: [[0, 0], [0, 0], [0, strideHeight - 1], [0, 0], [0, strideWidth - 1], [0, 0]],
            constantValue: 0,
          });
          image = scratch.run(reshape, { x: padded }, { shape: [batch, rows * strideHeight, columns * strideWidth, channels] });
        }
        const flipped = scratch.run(reverse, { x: filter }, { dims: [0, 1] });
        const kernel = scratch.run(transpose, { x: flipped }, { perm: [0, 1, 3, 2] });
        return conv2D.kernelFunc({
          inputs: { x: image, filter: kernel },
          attrs: {
            strides: [1, 1],
            pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
            dataFormat: "NHWC",
            dilations: [1, 1],
            dimRoundingMode: undefined as unknown as string,
          },
          backend: call.backend,
        }) as tf.TensorInfo;
      } finally {
        scratch.dispose();
      }
    },
  };
}
