import type { RunParticipantOptions } from "../cli/commands/join.ts";
import { withChainErrors } from "../chain/chainError.ts";
import { createLedgerReader } from "../chain/ledgerClients.ts";
import { readParticipantStatus } from "../chain/readParticipantStatus.ts";
import { datasetFingerprint } from "../dataset/merkle.ts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { createParticipant } from "./createParticipant.ts";

/**
 * `fedledger join`: checks that the local dataset is the one committed on-chain, then
 * participates until `signal` aborts, printing one line per event and a progress bar
 * while training.
 */
export async function runParticipant(options: RunParticipantOptions): Promise<{ roundsSubmitted: number }> {
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
  let bar: ReturnType<typeof createProgressBar> | undefined;
  let roundsSubmitted = 0;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  participant.events.on("session", (s) => say(`joined ${options.coordinatorUrl} as ${s.address} (chain ${s.chainId}, ledger ${s.ledger})`));
  participant.events.on("round:start", (r) => {
    say(`round ${r.round}: training (deadline ${new Date(r.deadline).toISOString()})`);
    bar = createProgressBar({ label: `round ${r.round}` });
  });
  participant.events.on("round:progress", (p) => bar?.onProgress({ ...p, batch: 0, batches: 0 }));
  participant.events.on("round:trained", (t) => {
    bar?.stop();
    bar = undefined;
    say(`round ${t.round}: trained on ${t.numSamples} samples in ${t.seconds.toFixed(2)} s (loss ${t.metrics.loss?.toFixed(4)})`);
  });
  participant.events.on("round:submitted", (s) => {
    roundsSubmitted += 1;
    say(`round ${s.round}: update ${s.updateHash} acknowledged${s.duplicate ? " (resent)" : ""}`);
  });
  participant.events.on("round:end", (e) =>
    say(e.status === "recorded" ? `round ${e.round}: recorded on-chain in ${e.txHash}` : `round ${e.round}: aborted (${e.reason ?? "no reason"})`),
  );
  participant.events.on("model:kept", (k) => say(`round ${k.round}'s global model ${k.modelHash} kept in ${k.dir}`));
  participant.events.on("round:left-out", (e) => say(`round ${e.round}: your update was left out of the record (${e.code}); it earns nothing this round`));
  participant.events.on("error", (e) => process.stderr.write(`error [${e.code}]: ${e.shortMessage}\n`));
  await participant.start();
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await participant.stop();
  return { roundsSubmitted };
}
