// Starts the benchmark participants 0..clients-1 in `processes` child processes
// (loadClients.ts), so that their encoding and signing do not share the coordinator's
// event loop.
import { type ChildProcess, fork } from "node:child_process";
import type { LoadClientsJob, LoadClientsMessage } from "./loadClients.ts";

export type LoadClients = {
  /** Resolves once every client is logged in; rejects if a client process fails. */
  readonly ready: Promise<void>;
  /** Submissions refused at the ack, by error code. */
  readonly refused: Map<string, number>;
  readonly accepted: number;
  stop(): void;
};

export function startLoadClients(p: { url: string; clients: number; spec: unknown; numSamples: number; processes: number }): LoadClients {
  const workers: ChildProcess[] = [];
  const refused = new Map<string, number>();
  let accepted = 0;
  const ready: Promise<void>[] = [];
  const per = Math.ceil(p.clients / p.processes);
  for (let from = 0; from < p.clients; from += per) {
    const job: LoadClientsJob = { url: p.url, from, to: Math.min(p.clients, from + per), spec: p.spec, numSamples: p.numSamples };
    const worker = fork(new URL("./loadClients.ts", import.meta.url), [JSON.stringify(job)], { execArgv: ["--conditions=source"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    workers.push(worker);
    ready.push(
      new Promise((resolve, reject) => {
        worker.on("message", (message: LoadClientsMessage) => {
          if (message.type === "ready") resolve();
          else if (message.type === "failed") reject(new Error(message.message));
          else if (message.ok) accepted++;
          else refused.set(message.code ?? "?", (refused.get(message.code ?? "?") ?? 0) + 1);
        });
        worker.once("exit", (code) => reject(new Error(`a client process exited with ${code}`)));
      }),
    );
  }
  return {
    ready: Promise.all(ready).then(() => undefined),
    refused,
    get accepted() {
      return accepted;
    },
    stop() {
      for (const worker of workers) {
        worker.removeAllListeners("exit");
        if (worker.connected) worker.send("stop");
      }
    },
  };
}
