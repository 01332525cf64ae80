import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { type WeightLayoutEntry, shapeSize } from "./modelSpec.ts";

/**
 * Checks that `weights` has one Float32Array per layout entry, of the right length, with
 * finite values. Throws SHAPE_MISMATCH or NON_FINITE; `what` names the weights in errors.
 */
export function checkWeights(
  layout: readonly WeightLayoutEntry[],
  weights: readonly Float32Array[],
  what: string,
): void {
  if (weights.length !== layout.length) {
    throw new FedLedgerError("SHAPE_MISMATCH", `${what} do not match the model spec`, {
      details: `expected ${layout.length} tensors, got ${weights.length}`,
    });
  }
  layout.forEach((entry, index) => {
    const values = weights[index];
    const expected = shapeSize(entry.shape);
    if (!(values instanceof Float32Array) || values.length !== expected) {
      throw new FedLedgerError("SHAPE_MISMATCH", `${what} do not match the model spec`, {
        details: `${entry.name} [${entry.shape.join(",")}] needs ${expected} float32 values, got ${
          values instanceof Float32Array ? values.length : typeof values
        }`,
      });
    }
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new FedLedgerError("NON_FINITE", `${what} contain a non-finite value`, {
          details: `${entry.name}[${i}] = ${values[i]}`,
        });
      }
    }
  });
}
