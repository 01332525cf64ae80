import type { RunParticipantOptions } from "../cli/commands/join.ts";
import { withChainErrors } from "../chain/chainError.ts";
import { createLedgerReader } from "../chain/ledgerClients.ts";
import { readParticipantStatus } from "../chain/readParticipantStatus.ts";
import { datasetFingerprint } from "../dataset/merkle.ts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import type { FederationFinished } from "../protocol/messages.ts";
import { createParticipant } from "./createParticipant.ts";

/** What `join` ends with: the distinct rounds this participant's updates were acknowledged for, and whether the federation finished. */
export type ParticipantSummary = { roundsSubmitted: number; finished: boolean; lastRound: number | null };

/**
 * `fedledger join`: checks that the local dataset is the one committed on-chain, then
 * participates until the coordinator says the federation finished or `signal` aborts
 * (also while connecting), printing one line per event, and a progress bar while
 * training on a terminal (one line per epoch otherwise).
 */
export async function runParticipant(options: RunParticipantOptions): Promise<ParticipantSummary> {
  const output = options.output ?? process.stdout;
  const say = (line: string) => output.write(`${line}\n`);
  const commitment = datasetFingerprint(options.dataset);
  const reader = createLedgerReader({ rpcUrl: options.rpcUrl, ledger: options.ledger });
  const status = await readParticipantStatus(reader, options.account.address);
  if (status.status !== "active") {
    throw new FedLedgerError("NOT_REGISTERED", `${options.account.address} is not an active participant on ${options.ledger}`);
  }
  if (status.datasetCommitment.toLowerCase() !== commitment.toLowerCase()) {
    throw new FedLedgerError("INVALID_DATASET", "This dataset is not the one committed on-chain", {
      details: `fingerprint ${commitment}, registered ${status.datasetCommitment}`,
    });
  }
  // The participant's own chain and ledger: it signs for these and refuses a coordinator that names others.
  const chainId = await withChainErrors("read the chain id", () => reader.client.getChainId());
  const { createProgressBar } = await import("../training/progressBar.ts");
  const participant = createParticipant({
    coordinatorUrl: options.coordinatorUrl,
    chainId,
    ledger: reader.ledger,
    account: options.account,
    data: options.dataset,
    datasetCommitment: commitment,
    datasetSize: status.datasetSize,
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.modelDir === undefined ? {} : { modelDir: options.modelDir }),
  });
  // The bar redraws in place on a terminal; elsewhere (a log file, a pipe) one line per epoch.
  const barStream = process.stderr;
  let bar: ReturnType<typeof createProgressBar> | undefined;
  const submitted = new Set<number>();
  participant.events.on("session", (s) => say(`joined ${options.coordinatorUrl} as ${s.address} (chain ${s.chainId}, ledger ${s.ledger})`));
  participant.events.on("connection:lost", (l) => say(`connection to ${options.coordinatorUrl} lost (${l.reason}); reconnecting…`));
  participant.events.on("connection:retry", (r) => say(`reconnecting to ${options.coordinatorUrl} (attempt ${r.attempt})…`));
  participant.events.on("round:start", (r) => {
    say(`round ${r.round}: training (deadline ${new Date(r.deadline).toISOString()})`);
    if (barStream.isTTY) bar = createProgressBar({ label: `round ${r.round}`, stream: barStream });
  });
  participant.events.on("round:progress", (p) => {
    if (bar) bar.onProgress(p);
    else if (p.batch === p.batches) say(`round ${p.round}: epoch ${p.epoch}/${p.epochs} done, ${p.batches} batches (loss ${p.loss.toFixed(4)})`);
  });
  participant.events.on("round:trained", (t) => {
    bar?.stop();
    bar = undefined;
    say(`round ${t.round}: trained on ${t.numSamples} samples in ${t.seconds.toFixed(2)} s (loss ${t.metrics.loss?.toFixed(4)})`);
  });
  participant.events.on("round:submitted", (s) => {
    submitted.add(s.round);
    say(`round ${s.round}: update ${s.updateHash} acknowledged${s.duplicate ? " (resent)" : ""}`);
  });
  participant.events.on("round:end", (e) =>
    say(e.status === "recorded" ? `round ${e.round}: recorded on-chain in ${e.txHash}` : `round ${e.round}: aborted (${e.reason ?? "no reason"})`),
  );
  participant.events.on("model:kept", (k) => say(`round ${k.round}'s global model ${k.modelHash} kept in ${k.dir}`));
  participant.events.on("round:left-out", (e) => say(`round ${e.round}: your update was left out of the record (${e.code}); it earns nothing this round`));
  participant.events.on("error", (e) => process.stderr.write(`error [${e.code}]: ${e.shortMessage}\n`));

  // Ends on the coordinator's `federation:finished`, or on `signal` (undefined), whichever comes first.
  const ended = new Promise<FederationFinished | undefined>((resolve) => {
    participant.events.once("federation:finished", resolve);
    if (options.signal.aborted) resolve(undefined);
    options.signal.addEventListener("abort", () => resolve(undefined), { once: true });
  });
  say(`connecting to ${options.coordinatorUrl}…`);
  const starting = participant.start();
  starting.catch(() => undefined); // settled by the race below, or never once stopped
  let finished: FederationFinished | undefined;
  try {
    await Promise.race([starting, ended]);
    finished = await ended;
  } finally {
    bar?.stop();
    await participant.stop();
  }
  const rounds = `${submitted.size} round${submitted.size === 1 ? "" : "s"}`;
  if (finished) say(`federation finished: round ${finished.lastRound} was the last; training is over (updates acknowledged in ${rounds})`);
  else say(`left the federation (updates acknowledged in ${rounds})`);
  return { roundsSubmitted: submitted.size, finished: finished !== undefined, lastRound: finished?.lastRound ?? null };
}
