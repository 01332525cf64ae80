import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pino, { type Logger } from "pino";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { contentHash, createParticipant, encodeWeights, initialWeights, layerLayout, type Participant, type TrainConfigInput } from "@fedledger/client-sdk";
import { evaluateModel } from "@fedledger/client-sdk/training";
import { type Coordinator, createCoordinator, parseCoordinatorConfig } from "@fedledger/coordinator";
import { commitmentOf } from "../attacks/federationData.ts";
import { deploySimulationLedger, type SimulationChain } from "../attacks/simulationChain.ts";
import type { NiidBenchData } from "./niidBenchData.ts";

/** NIID-Bench's published FedAvg setup (Li et al. 2022): 10 parties, 50 rounds, simple-cnn. */
export const NIID_BENCH_PARTIES = 10;
export const NIID_BENCH_ROUNDS = 50;
export const NIID_BENCH_TRAINING = {
  epochs: 10,
  batchSize: 64,
  learningRate: 0.01,
  optimizer: "sgd",
  momentum: 0.9,
  weightDecay: 1e-5,
} as const satisfies Omit<TrainConfigInput, "seed">;

/** The ledger's default round budget (contracts/ignition/modules/FedLedger.ts): the funding covers every round. */
const ROUND_BUDGET = 1_000n * 10n ** 18n;
/** Generous time per sample pass for the round deadline: every party trains in this one process. */
const DEADLINE_MS_PER_SAMPLE_PASS = 5;

export type NiidBenchOptions = {
  chain: SimulationChain;
  data: NiidBenchData;
  rounds: number;
  training: Omit<TrainConfigInput, "seed">;
  logger?: Logger;
  /** Progress lines: each party's training and each round's accuracy. */
  log?: (line: string) => void;
};

/** The last line `npm run sim -- niid-bench` prints. */
export type NiidBenchSummary = { accuracyPerRound: number[]; finalAccuracy: number; secondsPerRound: number };

/**
 * One NIID-Bench run through the production path: a fresh ledger deployed by the
 * project's Ignition module on the simulation's EDR chain, each party registered with its
 * shard's commitment; the real coordinator (createCoordinator: socket.io on 127.0.0.1,
 * the round engine, plain FedAvg weighted by sample counts, the update checks and the
 * copy, replay and norm-outlier filters at their defaults, each round recorded on-chain); every party the SDK's
 * createParticipant (EIP-712 login, the data check at join, TensorFlow.js training with
 * SGD momentum and weight decay, signed updates). What differs from a deployment: all
 * parties train in this process, sharing its CPU; their keys come from their index; and
 * each recorded global model is evaluated on the test set here, as NIID-Bench's server
 * does, while the coordinator runs without evaluation data (so no loss check or value
 * scorer changes what FedAvg aggregates).
 */
export async function runNiidBench(o: NiidBenchOptions): Promise<NiidBenchSummary> {
  const { spec, shards, test } = o.data;
  const layout = layerLayout(spec);
  const parties = shards.map((data, i) => ({ account: privateKeyToAccount(keccak256(toHex(`fedledger niid-bench party ${i}`))), data, ...commitmentOf(data) }));
  const ledger = await deploySimulationLedger(o.chain, {
    genesisModelHash: await contentHash(encodeWeights(initialWeights(spec, 0), layout)),
    registrations: parties.map((p) => ({ address: p.account.address, commitment: p.commitment, size: p.size })),
    funding: BigInt(o.rounds) * ROUND_BUDGET,
  });
  const samplePasses = shards.reduce((total, shard) => total + shard.numSamples, 0) * o.training.epochs;
  const storageDir = join(tmpdir(), `fedledger-niid-bench-${randomUUID()}`);
  const config = parseCoordinatorConfig({
    chain: { rpcUrl: o.chain.rpcUrl, ledger },
    server: { port: 0 },
    rounds: {
      rounds: o.rounds,
      minFitClients: parties.length,
      minAvailableClients: parties.length,
      fitTimeoutMs: Math.max(120_000, samplePasses * DEADLINE_MS_PER_SAMPLE_PASS),
      availabilityTimeoutMs: 120_000,
    },
    model: { spec, seed: 0 },
    training: o.training,
    // NIID-Bench's FedAvg, not the default median-clipped FedAvg.
    strategy: { name: "fedavg" },
    storage: { dir: storageDir },
  });
  const accuracyPerRound: number[] = [];
  // Each recorded model is evaluated in turn while the next round trains.
  let evaluations = Promise.resolve();
  const participants: Participant[] = [];
  let coordinator: Coordinator | undefined;
  let roundStarted = performance.now();
  try {
    coordinator = await createCoordinator({
      config,
      publicClient: o.chain.publicClient,
      walletClient: o.chain.operator,
      logger: o.logger ?? pino({ level: "silent" }),
      events: {
        onRoundRecorded: (r) => {
          const seconds = (performance.now() - roundStarted) / 1000;
          roundStarted = performance.now();
          evaluations = evaluations.then(async () => {
            const { accuracy } = await evaluateModel({ spec, weights: r.global, data: test });
            accuracyPerRound.push(accuracy);
            o.log?.(`round ${r.round}/${o.rounds}: accuracy ${accuracy.toFixed(4)}, ${r.scores.size}/${parties.length} updates, ${seconds.toFixed(1)} s`);
          });
        },
        onRoundAborted: (round, attempt, reason) => o.log?.(`round ${round} attempt ${attempt} aborted: ${reason}`),
      },
    });
    const url = await coordinator.listen();
    const { domain } = coordinator;
    parties.forEach((party, i) => {
      const participant = createParticipant({ coordinatorUrl: url, ...domain, account: party.account, data: party.data, datasetCommitment: party.commitment, datasetSize: party.size });
      participant.events.on("round:trained", (t) =>
        o.log?.(`round ${t.round}: party ${i} trained on ${t.numSamples} samples in ${t.seconds.toFixed(1)} s (loss ${(t.metrics.loss ?? Number.NaN).toFixed(4)})`),
      );
      participant.events.on("error", (e) => o.log?.(`party ${i}: [${e.code}] ${e.shortMessage}`));
      participants.push(participant);
    });
    await Promise.all(participants.map((p) => p.start()));
    const started = performance.now();
    roundStarted = started;
    const finished = await coordinator.run();
    const seconds = (performance.now() - started) / 1000;
    await evaluations;
    return {
      accuracyPerRound,
      finalAccuracy: accuracyPerRound.at(-1) ?? Number.NaN,
      secondsPerRound: finished.length > 0 ? seconds / finished.length : Number.NaN,
    };
  } finally {
    await Promise.all(participants.map((p) => p.stop()));
    await coordinator?.close();
    rmSync(storageDir, { recursive: true, force: true });
  }
}
