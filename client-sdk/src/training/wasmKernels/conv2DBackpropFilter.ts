import * as tf from "@tensorflow/tfjs";

type Attrs = {
  strides: [number, number] | number;
  pad: "valid" | "same" | number;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
};

/**
 * Conv2DBackpropFilter for wasm, as one forward convolution on wasm's XNNPACK Conv2D:
 * dW[p, q, c, k] = Σ_{n,i,j} x[n, i·s + p, j·s + q, c] · dy[n, i, j, k] is the convolution of
 * x transposed to [c, H, W, n] with dy transposed to a [OH, OW, n, k] filter at dilation s
 * (after padding x as the forward pass did), transposed back to [kh, kw, c, k].
 */
export function conv2DBackpropFilterKernel(): tf.KernelConfig {
  const kernel = (name: string): tf.KernelConfig => {
    const config = tf.getKernel(name, "wasm");
    if (config === undefined) throw new Error(`wasm kernel ${name} missing`);
    return config;
  };
  const conv2D = kernel("Conv2D");
  const transpose = kernel("Transpose");
  const pad = kernel("PadV2");
  const slice = kernel("Slice");
  return {
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { strides, pad: padding, dimRoundingMode, filterShape } = attrs as unknown as Attrs;
      const x = inputs.x as tf.TensorInfo;
      const dy = inputs.dy as tf.TensorInfo;
      const wasm = backend as tf.KernelBackend;
      const temporary: tf.TensorInfo[] = [];
      const run = (config: tf.KernelConfig, kernelInputs: tf.NamedTensorInfoMap, kernelAttrs: tf.NamedAttrMap): tf.TensorInfo => {
        const out = config.kernelFunc({ inputs: kernelInputs, attrs: kernelAttrs, backend }) as tf.TensorInfo;
        temporary.push(out);
        return out;
      };
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
        for (const info of temporary) wasm.disposeData(info.dataId);
      }
    },
  };
}
