import type { Hex } from "viem";
import type { LayerSpec } from "../encoding/layout.ts";

/**
 * Inputs of the golden vectors. `golden.json` holds what they must produce (encoding,
 * SHA-256, EIP-712 digest); TypeScript and Solidity tests both replay it, so any change
 * to the encoding, hashing or signed message breaks a test instead of an audit.
 */
export const GOLDEN_LAYOUT: LayerSpec[] = [
  { name: "dense_0/kernel", shape: [2, 3] },
  { name: "dense_0/bias", shape: [3] },
];

export const GOLDEN_WEIGHTS = [Float32Array.from([0.25, -0.5, 1.5, -2, 0.125, 3]), Float32Array.from([0.01, 0, -0.01])];

export const GOLDEN_DOMAIN = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Hex };

export const GOLDEN_MESSAGE_FIELDS = {
  round: 3n,
  numSamples: 600n,
  datasetCommitment: "0x1111111111111111111111111111111111111111111111111111111111111111" as Hex,
};

/** The release a golden approval approves; its model is the f32 encoding's hash. */
export const GOLDEN_RELEASE_FIELDS = {
  round: 3n,
  tag: "v1.0-rc.1",
  reportDigest: "0x2222222222222222222222222222222222222222222222222222222222222222" as Hex,
};

export type GoldenVectors = {
  f32: { encoding: Hex; sha256: Hex };
  i8: { encoding: Hex; sha256: Hex };
  typehash: Hex;
  /** Update(round, baseModelHash = f32.sha256, updateHash = i8.sha256, numSamples, datasetCommitment). */
  digest: Hex;
  /** ReleaseApproval(round, modelHash = f32.sha256, tag, reportDigest) of GOLDEN_RELEASE_FIELDS. */
  releaseApproval: { typehash: Hex; digest: Hex };
};
