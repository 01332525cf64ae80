import type { LayerFamily } from "./layerFamily.ts";
import { batchNormalizationFamily } from "./layers/batchNormalization.ts";
import { convolutionFamily } from "./layers/convolution.ts";
import { coreFamily } from "./layers/core.ts";
import { denseFamily } from "./layers/dense.ts";
import { poolingFamily } from "./layers/pooling.ts";
import { reshapingFamily } from "./layers/reshaping.ts";

/** The allow-list: every layer family a spec may use (one line per family). */
const FAMILIES: readonly LayerFamily[] = [
  denseFamily,
  convolutionFamily,
  poolingFamily,
  reshapingFamily,
  coreFamily,
  batchNormalizationFamily,
];

const byClassName = new Map<string, LayerFamily>(FAMILIES.flatMap((family) => family.classNames.map((name) => [name, family] as const)));

/** Keras class names a spec may use. */
export const ALLOWED_LAYER_CLASSES: readonly string[] = [...byClassName.keys()];

/** The family of a Keras class name, or undefined when it is not allowed. */
export function layerFamily(className: string): LayerFamily | undefined {
  return byClassName.get(className);
}
