import type { Address } from "viem";
import type { LocalAccount } from "viem/accounts";
import type { Dataset } from "../../data/Dataset.ts";
import { FedLedgerError } from "../../errors/FedLedgerError.ts";
import type { BackendName } from "../../training/backend.ts";
import { loadDatasetSpec } from "../loadDatasetSpec.ts";
import type { DatasetSpec } from "../parseDatasetSpec.ts";

/** What the participant runtime (`client/runParticipant.ts`) takes. */
export type RunParticipantOptions = {
  coordinatorUrl: string;
  account: LocalAccount;
  dataset: Dataset;
  backend?: BackendName;
  rpcUrl: string;
  ledger: Address;
  /** Where to keep the latest global model (`--model-dir`). */
  modelDir?: string;
  /** Aborted on SIGINT / SIGTERM: the runtime leaves the federation and returns. */
  signal: AbortSignal;
  /** Where the human-readable lines go. Default process.stdout (process.stderr with `--json`). */
  output?: NodeJS.WritableStream;
};
export type RunParticipant = (options: RunParticipantOptions) => Promise<unknown>;

export type JoinOptions = {
  coordinatorUrl: string;
  dataset: DatasetSpec;
  backend?: BackendName;
  rpcUrl: string;
  ledger: Address;
  modelDir?: string;
};
export type JoinDependencies = {
  account: LocalAccount;
  signal: AbortSignal;
  output?: NodeJS.WritableStream;
  runParticipant: RunParticipant;
  loadDataset?: (spec: DatasetSpec) => Promise<Dataset>;
};

// Spelled out rather than imported: backend.ts loads TensorFlow.js, which option parsing must not.
const BACKENDS = ["tensorflow", "wasm", "cpu"] as const satisfies readonly BackendName[];

/** A `--backend` value. Throws INVALID_CONFIG for anything but tensorflow, wasm or cpu. */
export function parseBackend(value: string): BackendName {
  const backend = BACKENDS.find((b) => b === value);
  if (backend === undefined) {
    throw new FedLedgerError("INVALID_CONFIG", `Unknown backend ${JSON.stringify(value)}`, { details: `expected ${BACKENDS.join(", ")}` });
  }
  return backend;
}

/** A coordinator URL: http(s) or ws(s). Throws INVALID_CONFIG otherwise. */
export function parseCoordinatorUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FedLedgerError("INVALID_CONFIG", "The coordinator URL is not a valid URL");
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(url.protocol)) {
    throw new FedLedgerError("INVALID_CONFIG", "The coordinator URL must use http, https, ws or wss", { details: `got ${url.protocol}` });
  }
  return value;
}

/**
 * The participant runtime from its dynamically imported module. Throws INTERNAL when
 * the module is missing or exports no `runParticipant` function.
 */
export async function loadParticipantRuntime(importModule: () => Promise<unknown>): Promise<RunParticipant> {
  let module: unknown;
  try {
    module = await importModule();
  } catch (cause) {
    throw new FedLedgerError("INTERNAL", "The participant runtime (client/runParticipant) cannot be loaded", {
      details: (cause instanceof Error ? cause.message : String(cause)).split("\n", 1)[0] ?? "",
      cause,
    });
  }
  const run = typeof module === "object" && module !== null && "runParticipant" in module ? module.runParticipant : undefined;
  if (typeof run !== "function") {
    throw new FedLedgerError("INTERNAL", "The participant runtime module exports no runParticipant function");
  }
  return run as RunParticipant;
}

/** Loads the dataset and runs the participant until `signal` aborts; returns what the runtime returns. */
export async function joinCommand(options: JoinOptions, dependencies: JoinDependencies): Promise<unknown> {
  const dataset = await (dependencies.loadDataset ?? loadDatasetSpec)(options.dataset);
  return dependencies.runParticipant({
    coordinatorUrl: options.coordinatorUrl,
    account: dependencies.account,
    dataset,
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    rpcUrl: options.rpcUrl,
    ledger: options.ledger,
    ...(options.modelDir === undefined ? {} : { modelDir: options.modelDir }),
    signal: dependencies.signal,
    ...(dependencies.output === undefined ? {} : { output: dependencies.output }),
  });
}
