/**
 * Symmetric per-layer int8 quantization: scale = fround(max|x| / 127), q = round(x / scale)
 * clamped to [-127, 127], x' = q * scale. A layer of zeros has scale 0.
 */
export type QuantizedLayer = { scale: number; values: Int8Array };

export function quantizeLayer(values: Float32Array): QuantizedLayer {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i] as number);
    if (a > max) max = a;
  }
  const scale = Math.fround(max / 127);
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
