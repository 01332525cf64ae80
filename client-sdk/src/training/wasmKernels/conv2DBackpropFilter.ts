import * as tf from "@tensorflow/tfjs";
import { kernelScratch, wasmKernels } from "./kernelScratch.ts";

/**
 * Conv2DBackpropFilter for wasm, as one forward convolution on wasm's XNNPACK Conv2D:
 * dW[p, q, c, k] = Σ_{n,i,j} x[n, i·s + p, j·s + q, c] · dy[n, i, j, k] is the convolution of
 * x transposed to [c, H, W, n] with dy transposed to a [OH, OW, n, k] filter at dilation s
 * (after padding x as the forward pass did), transposed back to [kh, kw, c, k].
 */
export function conv2DBackpropFilterKernel(): tf.KernelConfig {
  const [conv2D, transpose, pad, slice] = wasmKernels("Conv2D", "Transpose", "PadV2", "Slice");
  return {
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { strides, pad: padding, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const x = inputs.x as tf.TensorInfo;
      const dy = inputs.dy as tf.TensorInfo;
      const { run, dispose } = kernelScratch(backend);
      try {
        const info = tf.backend_util.computeConv2DInfo(
          x.shape as [number, number, number, number],
          filterShape,
          strides,
          1,
          padding,
          dimRoundingMode,
        );
        const { top, bottom, left, right } = info.padInfo;
        const padded =
          top || bottom || left || right
            ? run(pad, { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 })
            : x;
        const images = run(transpose, { x: padded }, { perm: [3, 1, 2, 0] });
        const filter = run(transpose, { x: dy }, { perm: [1, 2, 0, 3] });
        let result = run(conv2D, { x: images, filter }, {
          strides: [1, 1],
          pad: "valid",
          dataFormat: "NHWC",
          dilations: [info.strideHeight, info.strideWidth],
          dimRoundingMode: undefined as unknown as string,
        });
        const [kh, kw, channels, filters] = filterShape;
        if (result.shape[1] !== kh || result.shape[2] !== kw) {
          result = run(slice, { x: result }, { begin: [0, 0, 0, 0], size: [channels, kh, kw, filters] });
        }
        const out = transpose.kernelFunc({ inputs: { x: result }, attrs: { perm: [1, 2, 0, 3] }, backend }) as tf.TensorInfo;
        return out;
      } finally {
        dispose();
      }
    },
  };
}
