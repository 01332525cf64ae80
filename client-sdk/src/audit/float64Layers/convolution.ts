import type { AxisWindow } from "./windowGeometry.ts";

/** A channels-last 2-D window op's shape: rows, columns, input channels. */
export type ConvolutionGeometry = { readonly rows: AxisWindow; readonly cols: AxisWindow; readonly channels: number };

/**
 * Conv2D (kernel [kh, kw, in, filters], `depthwise` false, `perChannel` = filters) and
 * DepthwiseConv2D (kernel [kh, kw, in, multiplier], `depthwise` true, `perChannel` =
 * multiplier; input channel c feeds outputs c·multiplier + m). Per output pixel (row-major),
 * each output channel starts at its bias (0 without), then for the taps ky, kx inside the
 * input and c ascending, skipping x = 0, adds x[iy, ix, c] · K[ky, kx, c, ·], with
 * iy = oy·stride − padTop + ky.
 */
export function convolve(
  x: Float64Array,
  y: Float64Array,
  w: Float64Array,
  g: ConvolutionGeometry,
  depthwise: boolean,
  perChannel: number,
  kernel: number,
  bias: number | undefined,
): void {
  const { rows, cols, channels } = g;
  const outChannels = depthwise ? channels * perChannel : perChannel;
  const tapSize = channels * perChannel;
  for (let oy = 0; oy < rows.out; oy++) {
    for (let ox = 0; ox < cols.out; ox++) {
      const out = (oy * cols.out + ox) * outChannels;
      if (bias === undefined) y.fill(0, out, out + outChannels);
      else for (let f = 0; f < outChannels; f++) y[out + f] = w[bias + f] as number;
      for (let ky = rows.first[oy] as number; ky < (rows.end[oy] as number); ky++) {
        const iy = oy * rows.stride - rows.before + ky;
        for (let kx = cols.first[ox] as number; kx < (cols.end[ox] as number); kx++) {
          const pixel = (iy * cols.input + ox * cols.stride - cols.before + kx) * channels;
          const tap = kernel + (ky * cols.size + kx) * tapSize;
          for (let c = 0; c < channels; c++) {
            const v = x[pixel + c] as number;
            if (v === 0) continue;
            const at = depthwise ? out + c * perChannel : out;
            const base = tap + c * perChannel;
            for (let f = 0; f < perChannel; f++) y[at + f] = (y[at + f] as number) + v * (w[base + f] as number);
          }
        }
      }
    }
  }
}
