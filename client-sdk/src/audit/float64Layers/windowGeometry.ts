/**
 * One spatial axis of a window op as TensorFlow.js computes it (no dilation): the output
 * length, the padding before the first input (`same`: total max(0, (out − 1)·stride + size
 * − in), ⌊total / 2⌋ before; `valid`: none), and per output index the window positions
 * [first, end) that fall inside the input.
 */
export type AxisWindow = {
  readonly out: number;
  readonly before: number;
  readonly size: number;
  readonly stride: number;
  readonly input: number;
  readonly first: Int32Array;
  readonly end: Int32Array;
};

export function axisWindow(input: number, out: number, size: number, stride: number, padding: string): AxisWindow {
  const total = padding === "same" ? Math.max(0, (out - 1) * stride + size - input) : 0;
  const before = Math.floor(total / 2);
  const first = new Int32Array(out);
  const end = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const start = o * stride - before;
    first[o] = Math.max(0, -start);
    end[o] = Math.min(size, input - start);
  }
  return { out, before, size, stride, input, first, end };
}
