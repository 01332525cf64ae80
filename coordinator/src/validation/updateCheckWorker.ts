// The worker thread of updateCheckPool.ts: hashes an update's bytes and measures them
// (measureWeights), then hands the bytes back with the results.
import { parentPort } from "node:worker_threads";
import { contentHashSync, isFedLedgerError, measureWeights } from "@fedledger/client-sdk";
import type { CheckJob, CheckReply, WorkerMessage } from "./updateCheckPool.ts";

const port = parentPort;
if (!port) throw new Error("updateCheckWorker.ts runs as a worker thread");

port.on("message", (job: CheckJob) => {
  const hash = contentHashSync(job.bytes);
  let outcome: CheckReply["outcome"];
  try {
    outcome = { measured: measureWeights(job.bytes, job.layout) };
  } catch (error) {
    outcome = {
      error: isFedLedgerError(error)
        ? { code: error.code, shortMessage: error.shortMessage, details: error.details }
        : { code: "INTERNAL", shortMessage: "The update could not be measured", details: String(error) },
    };
  }
  const reply: WorkerMessage = { id: job.id, bytes: job.bytes, hash, outcome };
  const { buffer } = job.bytes;
  port.postMessage(reply, buffer instanceof ArrayBuffer ? [buffer] : []);
});

const ready: WorkerMessage = { ready: true };
port.postMessage(ready);
