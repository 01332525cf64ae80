import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { registerWasmTrainingKernels } from "./wasmKernels/registerWasmTrainingKernels.ts";

/** TensorFlow.js backends fedledger can train on, fastest first. */
export const BACKEND_NAMES = ["tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export type BackendLogger = (message: string) => void;

export type SelectBackendOptions = {
  /** Tried first; the others follow in {@link BACKEND_NAMES} order if it cannot load. */
  preferred?: BackendName;
  /**
   * XNNPACK threads for the wasm backend; only honoured by the multithreaded wasm binary,
   * which TensorFlow.js does not load in Node (tfjs issue #3830), so Node runs 1 thread.
   * Takes effect only before the wasm backend is first initialised.
   */
  threads?: number;
  /** Receives one line when the backend in use changes. Default: silent. */
  logger?: BackendLogger;
};

const TFJS_NODE = "@tensorflow/tfjs-node";

// The library stays silent: PROD mode suppresses TensorFlow.js console warnings (such as
// the cpu backend's "install tfjs-node" banner). NaN/Inf are checked by trainLocal itself.
tf.enableProdMode();

let wasmConfigured = false;
let selection: Promise<BackendName> | undefined;
let lastLogged: string | undefined;

function wasmDistDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep;
}

async function activate(name: BackendName, threads: number | undefined): Promise<string | undefined> {
  if (name === "tensorflow") {
    try {
      // A variable specifier: the optional dependency may be absent and must not be
      // resolved by the type checker or a bundler.
      const specifier: string = TFJS_NODE;
      await import(specifier);
    } catch (error) {
      const code = error instanceof Error && "code" in error ? error.code : undefined;
      if (code === "ERR_MODULE_NOT_FOUND") return `${TFJS_NODE} not installed`;
      return `${TFJS_NODE} failed to load (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`;
    }
  }
  if (name === "wasm" && !wasmConfigured) {
    setWasmPaths(wasmDistDirectory());
    if (threads !== undefined) setThreadsCount(threads);
    wasmConfigured = true;
  }
  try {
    if (!(await tf.setBackend(name))) return "initialisation failed";
    await tf.ready();
    if (name === "wasm") registerWasmTrainingKernels();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
}

/** A one-line description of the backend in use, e.g. "wasm (SIMD, 1 thread)". */
export async function describeBackend(): Promise<string> {
  const name = tf.getBackend();
  if (name !== "wasm") return name;
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = getThreadsCount();
  return `wasm (${simd ? "SIMD" : "no SIMD: slower"}, ${threads} thread${threads === 1 ? "" : "s"})`;
}

async function select(options: SelectBackendOptions): Promise<BackendName> {
  const order = options.preferred
    ? [options.preferred, ...BACKEND_NAMES.filter((name) => name !== options.preferred)]
    : [...BACKEND_NAMES];
  const skipped: string[] = [];
  for (const name of order) {
    const failure = await activate(name, options.threads);
    if (failure === undefined) {
      const line = `training backend: ${await describeBackend()}${skipped.length ? ` (skipped ${skipped.join("; ")})` : ""}`;
      if (line !== lastLogged) {
        lastLogged = line;
        options.logger?.(line);
      }
      return name;
    }
    skipped.push(`${name}: ${failure}`);
  }
  throw new FedLedgerError("TRAINING_ERROR", "No TensorFlow.js backend could be initialised", {
    details: skipped.join("; "),
  });
}

/**
 * Picks the TensorFlow.js backend: `tensorflow` (tfjs-node, native) if it loads, else
 * `wasm` (SIMD), else `cpu` (pure JS); `preferred` is tried first. Resolves to the name
 * actually in use. Calls are serialised; the logger hears one line when the choice changes.
 */
export function selectBackend(options: SelectBackendOptions = {}): Promise<BackendName> {
  if (options.preferred !== undefined && !BACKEND_NAMES.includes(options.preferred)) {
    return Promise.reject(
      new FedLedgerError("INVALID_CONFIG", "Unknown backend", { details: String(options.preferred) }),
    );
  }
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    return Promise.reject(
      new FedLedgerError("INVALID_CONFIG", "threads must be a positive integer", { details: String(options.threads) }),
    );
  }
  const previous = selection ?? Promise.resolve<BackendName>("cpu");
  const next = previous.catch(() => undefined).then(() => select(options));
  selection = next;
  return next;
}

/** The selected backend, selecting the default one on first use. */
export function ensureBackend(): Promise<BackendName> {
  return selection ?? selectBackend();
}

/** The name of the backend TensorFlow.js currently runs on. */
export function currentBackend(): string {
  return tf.getBackend();
}
