import { z } from "zod";
import { LayerSpecError, MODEL_BOUNDS } from "../layerFamily.ts";

/** A Keras int-or-pair size (`kernel_size`, `strides`...), as [height, width]. */
export function pairSchema(max: number) {
  return z.union([z.int().min(1).max(max), z.tuple([z.int().min(1).max(max), z.int().min(1).max(max)])]).transform(
    (value): [number, number] => (typeof value === "number" ? [value, value] : value),
  );
}

export const paddingSchema = z.enum(["valid", "same"]);
export const dataFormatSchema = z.literal("channels_last", { error: "only channels_last is supported" }).optional();

/** Output length of a window of `size` (dilated) over `input` with `stride`, as TensorFlow computes it. */
export function windowOutput(input: number, size: number, stride: number, dilation: number, padding: "valid" | "same"): number {
  if (padding === "same") return Math.ceil(input / stride);
  return Math.floor((input - dilation * (size - 1) - 1) / stride) + 1;
}

/** [height, width, channels] of an image input, or a LayerSpecError naming the shape. */
export function imageShape(className: string, inputShape: readonly number[]): [number, number, number] {
  if (inputShape.length !== 3) {
    throw new LayerSpecError(`${className} needs an [height, width, channels] input; got [${inputShape.join(",")}]`);
  }
  return inputShape as [number, number, number];
}

/** The spatial output [h, w] of a window op, or a LayerSpecError when it would be empty. */
export function spatialOutput(
  className: string,
  [height, width]: readonly number[],
  size: [number, number],
  strides: [number, number],
  dilation: [number, number],
  padding: "valid" | "same",
): [number, number] {
  const outH = windowOutput(height as number, size[0], strides[0], dilation[0], padding);
  const outW = windowOutput(width as number, size[1], strides[1], dilation[1], padding);
  if (outH < 1 || outW < 1) {
    throw new LayerSpecError(`${className} window [${size.join(",")}] does not fit the input [${height},${width}]`);
  }
  return [outH, outW];
}

export function checkStridesAndDilation(strides: [number, number], dilation: [number, number]): void {
  if ((strides[0] > 1 || strides[1] > 1) && (dilation[0] > 1 || dilation[1] > 1)) {
    throw new LayerSpecError("strides and dilation_rate cannot both exceed 1");
  }
}

export const kernelSizeSchema = pairSchema(MODEL_BOUNDS.maxKernelSize);
export const stridesSchema = pairSchema(MODEL_BOUNDS.maxStride);
export const dilationSchema = pairSchema(MODEL_BOUNDS.maxDilation);
