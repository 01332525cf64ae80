import type { ConvolutionGeometry } from "./convolution.ts";

/**
 * MaxPooling2D / AveragePooling2D per output pixel and channel, over the window's taps
 * inside the input (padding is never a tap), ky then kx ascending: max keeps the first
 * larger value (a NaN, once met, is kept); average sums then divides by the number of
 * taps inside the input, as TensorFlow.js does.
 */
export function pool(x: Float64Array, y: Float64Array, g: ConvolutionGeometry, max: boolean): void {
  const { rows, cols, channels } = g;
  for (let oy = 0; oy < rows.out; oy++) {
    for (let ox = 0; ox < cols.out; ox++) {
      const out = (oy * cols.out + ox) * channels;
      for (let c = 0; c < channels; c++) {
        let acc = max ? -Infinity : 0;
        let count = 0;
        for (let ky = rows.first[oy] as number; ky < (rows.end[oy] as number); ky++) {
          const row = (oy * rows.stride - rows.before + ky) * cols.input;
          for (let kx = cols.first[ox] as number; kx < (cols.end[ox] as number); kx++) {
            const v = x[(row + ox * cols.stride - cols.before + kx) * channels + c] as number;
            if (!max) acc += v;
            else if (!Number.isNaN(acc) && (v > acc || Number.isNaN(v))) acc = v;
            count++;
          }
        }
        y[out + c] = max ? acc : acc / count;
      }
    }
  }
}

/** GlobalAveragePooling2D: per channel, the sum over pixels in row-major order, divided by their number. */
export function globalAveragePool(x: Float64Array, y: Float64Array, pixels: number, channels: number): void {
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let p = 0; p < pixels; p++) sum += x[p * channels + c] as number;
    y[c] = sum / pixels;
  }
}
