/**
 * Symmetric per-layer int8 quantization: scale = fround(max|x| / 127), q = round(x / scale)
 * clamped to [-127, 127], x' = q * scale. A layer of zeros has scale 0.
 */
export type QuantizedLayer = { scale: number; values: Int8Array };

const FLOAT32_MAX = 3.4028234663852886e38;

/** True when every int8 value times `scale` stays a finite float32. */
export function isSafeScale(scale: number): boolean {
  return Number.isFinite(scale) && scale >= 0 && Math.fround(scale * 127) <= FLOAT32_MAX;
}

/** The next float32 below a positive float32 `x`. */
function previousFloat32(x: number): number {
  const bits = new Int32Array(new Float32Array([x]).buffer);
  bits[0] = (bits[0] as number) - 1;
  return new Float32Array(bits.buffer)[0] as number;
}

export function quantizeLayer(values: Float32Array): QuantizedLayer {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i] as number);
    if (a > max) max = a;
  }
  let scale = Math.fround(max / 127);
  // Near the float32 maximum, 127 × scale can round past it: step down one ulp.
  while (!isSafeScale(scale)) scale = previousFloat32(scale);
  const out = new Int8Array(values.length);
  if (scale === 0) return { scale, values: out };
  const inv = 1 / scale;
  for (let i = 0; i < values.length; i++) {
    const q = Math.round((values[i] as number) * inv);
    out[i] = q > 127 ? 127 : q < -127 ? -127 : q;
  }
  return { scale, values: out };
}

export function dequantizeLayer({ scale, values }: QuantizedLayer): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] as number) * scale;
  return out;
}
