import { FedLedgerError } from "../../errors/FedLedgerError.ts";
import type { CompiledModel } from "../../model/compileModelSpec.ts";
import type { LayerInstance } from "../../model/layerFamily.ts";
import { shapeSize } from "../../model/layerFamily.ts";
import { batchNormalize } from "./batchNormalization.ts";
import { type ConvolutionGeometry, convolve } from "./convolution.ts";
import { activationStep, type Float64Step, layerActivation, pair, requiredOffset, type WeightOffsets } from "./float64Layer.ts";
import { globalAveragePool, pool } from "./pooling.ts";
import { pointwise, pointwiseSparse } from "./pointwise.ts";
import { axisWindow } from "./windowGeometry.ts";

/** Layer classes the float64 pass computes (Flatten, Reshape, Dropout: identity at inference, channels-last row-major). */
export const FLOAT64_LAYERS: readonly string[] = [
  "Dense",
  "Conv2D",
  "DepthwiseConv2D",
  "SeparableConv2D",
  "MaxPooling2D",
  "AveragePooling2D",
  "GlobalAveragePooling2D",
  "BatchNormalization",
  "Flatten",
  "Reshape",
  "Dropout",
  "Activation",
];

function geometry(layer: LayerInstance, size: [number, number], strides: [number, number], padding: string): ConvolutionGeometry {
  const [height, width, channels] = layer.inputShape as [number, number, number];
  const [outH, outW] = layer.outputShape as [number, number, number];
  return { rows: axisWindow(height, outH, size[0], strides[0], padding), cols: axisWindow(width, outW, size[1], strides[1], padding), channels };
}

function step(outputSize: number, run: Float64Step["run"]): Float64Step {
  return { outputSize, inPlace: false, run };
}

/** The steps of one layer, its weights found by name; refuses (INVALID_CONFIG naming it) what the pass does not compute. */
function layerSteps(layer: LayerInstance, offsets: WeightOffsets): Float64Step[] {
  const config = layer.kerasConfig(false);
  const outputSize = shapeSize(layer.outputShape);
  const withActivation = (main: Float64Step): Float64Step[] => {
    const activation = activationStep(layerActivation(layer), outputSize);
    return activation ? [main, activation] : [main];
  };
  const bias = offsets("bias");
  switch (layer.className) {
    case "Flatten":
    case "Reshape":
    case "Dropout":
      return [];
    case "Activation": {
      const activation = activationStep(layerActivation(layer), outputSize);
      return activation ? [activation] : [];
    }
    case "Dense": {
      const kernel = requiredOffset(offsets, layer, "kernel");
      const fanIn = layer.inputShape[0] as number;
      return withActivation({
        ...step(outputSize, (x, y, w) => pointwise(x, y, w, 1, fanIn, outputSize, kernel, bias)),
        runSparse: (input, y, w) => pointwiseSparse(input, y, w, outputSize, kernel, bias),
      });
    }
    case "Conv2D":
    case "DepthwiseConv2D":
    case "SeparableConv2D": {
      const g = geometry(layer, pair(config.kernel_size), pair(config.strides), String(config.padding));
      const multiplier = Number(config.depth_multiplier ?? 1);
      const outChannels = layer.outputShape[2] as number;
      if (layer.className === "Conv2D") {
        const kernel = requiredOffset(offsets, layer, "kernel");
        return withActivation(step(outputSize, (x, y, w) => convolve(x, y, w, g, false, outChannels, kernel, bias)));
      }
      const depthwise = requiredOffset(offsets, layer, "depthwise_kernel");
      if (layer.className === "DepthwiseConv2D") {
        return withActivation(step(outputSize, (x, y, w) => convolve(x, y, w, g, true, multiplier, depthwise, bias)));
      }
      // Separable: the depthwise stage without bias, then a 1×1 convolution with it.
      const pointwiseKernel = requiredOffset(offsets, layer, "pointwise_kernel");
      const positions = g.rows.out * g.cols.out;
      const inner = new Float64Array(positions * g.channels * multiplier);
      return withActivation(
        step(outputSize, (x, y, w) => {
          convolve(x, inner, w, g, true, multiplier, depthwise, undefined);
          pointwise(inner, y, w, positions, g.channels * multiplier, outChannels, pointwiseKernel, bias);
        }),
      );
    }
    case "MaxPooling2D":
    case "AveragePooling2D": {
      const g = geometry(layer, pair(config.pool_size), pair(config.strides), String(config.padding));
      const max = layer.className === "MaxPooling2D";
      return [step(outputSize, (x, y) => pool(x, y, g, max))];
    }
    case "GlobalAveragePooling2D": {
      const [height, width, channels] = layer.inputShape as [number, number, number];
      return [step(outputSize, (x, y) => globalAveragePool(x, y, height * width, channels))];
    }
    case "BatchNormalization": {
      const channels = layer.outputShape[layer.outputShape.length - 1] as number;
      const parameters = {
        mean: requiredOffset(offsets, layer, "moving_mean"),
        variance: requiredOffset(offsets, layer, "moving_variance"),
        gamma: offsets("gamma"),
        beta: offsets("beta"),
        epsilon: Number(config.epsilon),
      };
      return [step(outputSize, (x, y, w) => batchNormalize(x, y, w, channels, parameters))];
    }
    default:
      throw new FedLedgerError("INVALID_CONFIG", `Validation scoring does not support layer ${layer.name} (${layer.className})`, {
        details: `supported: ${FLOAT64_LAYERS.join(", ")}`,
      });
  }
}

/** The model's per-sample float64 steps in layer order, each reading its tensors at their offsets in the flat canonical weights. */
export function float64Steps(model: CompiledModel): Float64Step[] {
  const starts: number[] = [];
  let at = 0;
  for (const weight of model.weights) {
    starts.push(at);
    at += shapeSize(weight.shape);
  }
  return model.layers.flatMap((layer, index) => {
    const indices = model.layerWeights[index] ?? [];
    const offsets: WeightOffsets = (name) => {
      const position = layer.weights.findIndex((weight) => weight.name === name);
      const weightIndex = position < 0 ? undefined : indices[position];
      return weightIndex === undefined ? undefined : starts[weightIndex];
    };
    return layerSteps(layer, offsets);
  });
}
