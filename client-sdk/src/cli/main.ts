#!/usr/bin/env node
// The fedledger command line for participants. The only module that reads process.argv
// and process.env: everything it calls takes parameters.
import { createRequire } from "node:module";
import { Command } from "commander";
import { createLedgerReader, parseAddress } from "../chain/ledgerClients.ts";
import { FedLedgerError, isFedLedgerError } from "../errors/FedLedgerError.ts";
import { type AuditSource, auditCommand, auditFailure, formatAudit } from "./commands/audit.ts";
import { claimCommand, formatClaim } from "./commands/claim.ts";
import { datasetUpdateCommand, formatDatasetUpdate } from "./commands/datasetUpdate.ts";
import { dashboardCommand, formatDashboard, parsePort } from "./commands/dashboard.ts";
import { fingerprintCommand, formatFingerprint } from "./commands/fingerprint.ts";
import { formatKeyNew, KEY_NEW_HELP, keyNewCommand } from "./commands/keyNew.ts";
import { joinCommand, loadParticipantRuntime, parseBackend, parseCoordinatorUrl } from "./commands/join.ts";
import { formatModelExport, modelExportCommand, type ModelSource } from "./commands/modelExport.ts";
import { formatPredict, predictCommand } from "./commands/predict.ts";
import { formatReleaseApprove, releaseApproveCommand } from "./commands/releaseApprove.ts";
import { formatProve, proveCommand } from "./commands/prove.ts";
import { formatRewards, rewardsCommand } from "./commands/rewards.ts";
import { formatStatus, statusCommand } from "./commands/status.ts";
import { formatVerifyModel, verifyModelCommand } from "./commands/verifyModel.ts";
import { formatVerifyProof, verifyProofCommand, verifyProofFailure } from "./commands/verifyProof.ts";
import { toJson } from "./format/toJson.ts";
import { type CsvSpecOptions, csvSpecOptions as csvOptions, DATASET_SPEC_FORMS, parseDatasetSpec } from "./parseDatasetSpec.ts";
import { parseRecordSpec, RECORD_SPEC_FORMS } from "./parseRecordSpec.ts";
import { resolveAddress } from "./resolveAddress.ts";
import { type ConnectionOptions, LEDGER_ENV, resolveConnection, RPC_URL_ENV } from "./resolveConnection.ts";
import { DEFAULT_PRIVATE_KEY_ENV, KEY_ENVIRONMENT_HELP, KEYSTORE_PASSPHRASE_ENV, type KeyOptions, resolveAccount } from "./resolveKeySource.ts";

type KeyFlags = { privateKeyEnv?: string; keystore?: string; mnemonicEnv?: string; mnemonicIndex?: string };
type AttestationFlags = { attestation?: string; attestationDigest?: string };
type OutputFlags = { json?: boolean };

const env = process.env;

function keyOptions(flags: KeyFlags): KeyOptions {
  const options: KeyOptions = {};
  if (flags.privateKeyEnv !== undefined) options.privateKeyEnv = flags.privateKeyEnv;
  if (flags.keystore !== undefined) options.keystore = flags.keystore;
  if (flags.mnemonicEnv !== undefined) options.mnemonicEnv = flags.mnemonicEnv;
  if (flags.mnemonicIndex !== undefined) {
    if (!/^\d+$/.test(flags.mnemonicIndex)) {
      throw new FedLedgerError("INVALID_CONFIG", "--mnemonic-index must be a whole number", { details: `got ${JSON.stringify(flags.mnemonicIndex)}` });
    }
    options.mnemonicIndex = Number(flags.mnemonicIndex);
  }
  return options;
}

function print<T>(result: T, flags: OutputFlags, human: (result: T) => string): void {
  process.stdout.write(`${flags.json === true ? toJson(result) : human(result)}\n`);
}

function withChainOptions(command: Command, scan: boolean): Command {
  command
    .option("--rpc-url <url>", `JSON-RPC endpoint of the chain (env ${RPC_URL_ENV})`)
    .option("--ledger <address>", `ContributionLedger address (env ${LEDGER_ENV})`);
  if (scan) {
    command
      .option("--from-block <n>", "first block to scan for ledger events (default 0; the deployment block is enough)")
      .option("--max-block-range <n>", "most blocks per eth_getLogs request, for RPCs that cap it (default: no limit)");
  }
  return command;
}

function withKeyOptions(command: Command, readOnly: boolean): Command {
  if (readOnly) command.option("--address <address>", "the participant to show (instead of a key)");
  return command
    .option("--private-key-env <VAR>", `environment variable holding the private key (default ${DEFAULT_PRIVATE_KEY_ENV})`)
    .option("--keystore <path>", `Web3 Secret Storage v3 key file; passphrase in ${KEYSTORE_PASSPHRASE_ENV}`)
    .option("--mnemonic-env <VAR>", "environment variable holding a BIP-39 mnemonic")
    .option("--mnemonic-index <n>", "HD address index for --mnemonic-env (default 0)")
    .addHelpText("after", KEY_ENVIRONMENT_HELP);
}

function withDatasetOptions(command: Command): Command {
  return command
    .option("--label-column <column>", "csv: label column, by header name or 0-based index")
    .option("--feature-columns <columns>", "csv: comma-separated feature columns (default: all but the label)")
    .option("--no-header", "csv: the first row is data, not a header")
    .option("--delimiter <char>", "csv: field delimiter (default ','; '\\t' for tab)");
}

function withAttestationOptions(command: Command): Command {
  return command
    .option("--attestation <file>", "the consent or licence document the dataset is contributed under: hashed (SHA-256) here, never sent")
    .option("--attestation-digest <0x…>", "the document's SHA-256, computed elsewhere (instead of --attestation)");
}

function attestationOptions(flags: AttestationFlags) {
  return { ...(flags.attestation === undefined ? {} : { attestation: flags.attestation }), ...(flags.attestationDigest === undefined ? {} : { attestationDigest: flags.attestationDigest }) };
}

/** A `--round` value: a whole number, 0 for the genesis model. */
function parseRound(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new FedLedgerError("INVALID_CONFIG", "--round must be a whole number", { details: `got ${JSON.stringify(value.slice(0, 40))}` });
  }
  return Number(value);
}

/** The model's source for `model export`: exactly one of --store, --local and --bundle. */
function modelSource(flags: { store?: string; local?: string; bundle?: string; spec?: string }): ModelSource {
  if ([flags.store, flags.local, flags.bundle].filter((f) => f !== undefined).length !== 1) {
    throw new FedLedgerError(
      "INVALID_CONFIG",
      "Give the model's source: --store DIR (a coordinator's storage.dir), --local DIR (a participant's --model-dir) or --bundle FILE (an audit bundle)",
    );
  }
  if (flags.store === undefined && flags.spec !== undefined) {
    throw new FedLedgerError("INVALID_CONFIG", "--spec applies to --store only: a local copy and a bundle keep their spec");
  }
  if (flags.local !== undefined) return { kind: "local", dir: flags.local };
  if (flags.bundle !== undefined) return { kind: "bundle", file: flags.bundle };
  return { kind: "store", dir: flags.store as string, ...(flags.spec === undefined ? {} : { specFile: flags.spec }) };
}

/** The material for `audit`: exactly one of --store and --bundle. */
function auditSource(flags: { store?: string; bundle?: string }): AuditSource {
  if ((flags.store === undefined) === (flags.bundle === undefined)) {
    throw new FedLedgerError("INVALID_CONFIG", "Give what to audit: --store DIR (a coordinator's storage.dir) or --bundle FILE (from `fedledger-operator export-audit`)");
  }
  return flags.bundle === undefined ? { kind: "store", dir: flags.store as string } : { kind: "bundle", file: flags.bundle };
}

function readerFor(flags: ConnectionOptions) {
  const connection = resolveConnection(flags, env);
  return { connection, reader: createLedgerReader({ rpcUrl: connection.rpcUrl, ledger: connection.ledger }) };
}

/** The SDK's version: src/cli/ and dist/cli/ both sit two levels below client-sdk/package.json. */
function packageVersion(): string {
  try {
    const manifest: unknown = createRequire(import.meta.url)("../../package.json");
    const version = typeof manifest === "object" && manifest !== null && "version" in manifest ? manifest.version : undefined;
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}

function reportError(error: unknown): void {
  if (isFedLedgerError(error)) {
    process.stderr.write(`error [${error.code}]: ${error.shortMessage}\n`);
    if (error.details) process.stderr.write(`  ${error.details}\n`);
  } else {
    process.stderr.write(`error [INTERNAL]: ${error instanceof Error ? error.message : String(error)}\n`);
    if (env.FEDLEDGER_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  }
  process.exitCode = 1;
}

const program = new Command("fedledger")
  .description("fedledger participant: dataset commitments, ledger status and rewards, claims, model lineage, training")
  .version(packageVersion())
  .configureOutput({
    // Usage errors in the CLI's one error format.
    outputError: (text, write) => write(text.replace(/^error: /, "error [INVALID_CONFIG]: ")),
  });

withAttestationOptions(
  withDatasetOptions(
    program
      .command("fingerprint")
      .description(`print the dataset commitment and size to register, and the attestation digest (dataset: ${DATASET_SPEC_FORMS})`)
      .argument("<dataset>", DATASET_SPEC_FORMS)
      .option("--json", "machine-readable output"),
  ),
).action(async (spec: string, flags: CsvSpecOptions & OutputFlags & AttestationFlags) => {
  const result = await fingerprintCommand({ dataset: parseDatasetSpec(spec, csvOptions(flags)), ...attestationOptions(flags) });
  print(result, flags, formatFingerprint);
});

const datasetCommand = program.command("dataset").description("the dataset registered for your key");
withAttestationOptions(
  withDatasetOptions(
    withKeyOptions(
      withChainOptions(
        datasetCommand
          .command("update")
          .description("register a new commitment, size (at most the registered one) and attestation digest for your dataset, from your key")
          .argument("<dataset>", DATASET_SPEC_FORMS),
        false,
      ),
      false,
    ).option("--json", "machine-readable output"),
  ),
).action(async (spec: string, flags: ConnectionOptions & KeyFlags & CsvSpecOptions & OutputFlags & AttestationFlags) => {
  const { reader } = readerFor(flags);
  const dataset = parseDatasetSpec(spec, csvOptions(flags));
  const account = await resolveAccount(keyOptions(flags), env);
  print(await datasetUpdateCommand({ dataset, ...attestationOptions(flags) }, { reader, account }), flags, formatDatasetUpdate);
});

const keyCommand = program.command("key").description("the participant's signing key");
keyCommand
  .command("new")
  .description(KEY_NEW_HELP.description)
  .requiredOption("--out <file>", KEY_NEW_HELP.out)
  .option("--json", "machine-readable output")
  .action(async (flags: OutputFlags & { out: string }) => {
    print(await keyNewCommand({ out: flags.out }, { env, terminal: { input: process.stdin, output: process.stderr } }), flags, formatKeyNew);
  });
withKeyOptions(keyCommand.command("address").description("print the address of the configured key"), false)
  .option("--json", "machine-readable output")
  .action(async (flags: KeyFlags & OutputFlags) => {
    const { address } = await resolveAccount(keyOptions(flags), env);
    print({ address }, flags, (r) => r.address);
  });

withKeyOptions(withChainOptions(program.command("status").description("registration and rounds contributed"), true), true)
  .option("--json", "machine-readable output")
  .action(async (flags: ConnectionOptions & KeyFlags & OutputFlags & { address?: string }) => {
    const { connection, reader } = readerFor(flags);
    const address = await resolveAddress({ ...keyOptions(flags), ...(flags.address === undefined ? {} : { address: flags.address }) }, env);
    print(await statusCommand({ address, range: connection.range }, { reader }), flags, formatStatus);
  });

withKeyOptions(withChainOptions(program.command("rewards").description("credited, claimed and claimable rewards, per round"), true), true)
  .option("--json", "machine-readable output")
  .action(async (flags: ConnectionOptions & KeyFlags & OutputFlags & { address?: string }) => {
    const { connection, reader } = readerFor(flags);
    const address = await resolveAddress({ ...keyOptions(flags), ...(flags.address === undefined ? {} : { address: flags.address }) }, env);
    print(await rewardsCommand({ address, range: connection.range }, { reader }), flags, formatRewards);
  });

withKeyOptions(withChainOptions(program.command("claim").description("claim all unclaimed rewards"), false), false)
  .option("--to <address>", "recipient of the tokens (default: the claiming account)")
  .option("--json", "machine-readable output")
  .action(async (flags: ConnectionOptions & KeyFlags & OutputFlags & { to?: string }) => {
    const { reader } = readerFor(flags);
    const recipient = flags.to === undefined ? undefined : parseAddress(flags.to, "--to");
    const account = await resolveAccount(keyOptions(flags), env);
    const result = await claimCommand(recipient === undefined ? {} : { recipient }, { reader, account });
    print(result, flags, formatClaim);
  });

withChainOptions(program.command("verify-model").description("hash a model and show its on-chain lineage; exits 1 when no round produced it"), true)
  .argument("<model>", "canonically encoded model weights, or a directory from `fedledger model export`")
  .option("--json", "machine-readable output")
  .action(async (file: string, flags: ConnectionOptions & OutputFlags) => {
    const { connection, reader } = readerFor(flags);
    const result = await verifyModelCommand({ file, range: connection.range }, { reader });
    print(result, flags, formatVerifyModel);
    if (result.lineage.kind === "unrecorded") throw new FedLedgerError("MODEL_NOT_RECORDED", "No recorded round produced this model");
  });

const proveGroup = program.command("prove").description("prove that a record is in, or not in, the dataset you registered, without revealing it (the proof holds hashes only)");
for (const [name, kind, what] of [
  ["include", "inclusion", "in"],
  ["exclude", "non-inclusion", "not in"],
] as const) {
  withDatasetOptions(
    proveGroup
      .command(name)
      .description(`write a proof that RECORD is ${what} the dataset's commitment (as \`fingerprint\` computes it)`)
      .argument("<record>", RECORD_SPEC_FORMS)
      .requiredOption("--dataset <spec>", `the dataset whose commitment you registered: ${DATASET_SPEC_FORMS}`)
      .option("--out <file>", "write the proof JSON here (default: print it)"),
  ).action(async (record: string, flags: CsvSpecOptions & { dataset: string; out?: string }) => {
    const csv = csvOptions(flags);
    const result = await proveCommand({ kind, record: parseRecordSpec(record, csv), dataset: parseDatasetSpec(flags.dataset, csv), ...(flags.out === undefined ? {} : { out: flags.out }) });
    process.stdout.write(`${formatProve(result)}\n`);
  });
}

withDatasetOptions(
  withChainOptions(
    program.command("verify-proof").description("check a `fedledger prove` proof against a participant's dataset commitment on the ledger; exits 1 unless valid (INVALID_PROOF, HASH_MISMATCH, NOT_REGISTERED)"),
    true,
  )
    .argument("<proof>", "the proof file")
    .requiredOption("--participant <address>", "the participant whose registered commitment the proof is checked against")
    .option("--record <record>", "the record itself, hashed here and never sent: json:FILE, or a one-record csv:FILE or idx:IMAGES,LABELS")
    .option("--class-names <names>", "with --record: comma-separated class names in class-index order, for a text label")
    .option("--json", "machine-readable output"),
).action(async (file: string, flags: ConnectionOptions & OutputFlags & CsvSpecOptions & { participant: string; record?: string; classNames?: string }) => {
  const { connection, reader } = readerFor(flags);
  const participant = parseAddress(flags.participant, "--participant");
  const record = flags.record === undefined ? undefined : parseRecordSpec(flags.record, csvOptions(flags));
  const classNames = flags.classNames?.split(",").map((n) => n.trim());
  const result = await verifyProofCommand({ file, participant, range: connection.range, ...(record === undefined ? {} : { record }), ...(classNames === undefined ? {} : { classNames }) }, { reader });
  print(result, flags, formatVerifyProof);
  const failure = verifyProofFailure(result);
  if (failure) throw failure;
});

const modelCommand = program.command("model").description("the federation's global model");
withChainOptions(modelCommand.command("export").description("write a recorded global model as a TensorFlow.js model directory (model.json + weights.bin)"), true)
  .requiredOption("--out <dir>", "directory to write model.json and weights.bin into")
  .option("--round <n>", "the round whose model to export, 0 for genesis (default: the newest recorded model the source holds)")
  .option("--store <dir>", "take it from a coordinator's storage.dir")
  .option("--spec <file>", "with --store: the model spec JSON (default: <store>/model-spec.json, written by the coordinator)")
  .option("--local <dir>", "take it from a participant's --model-dir")
  .option("--bundle <file>", "take it from an audit bundle (`fedledger-operator export-audit`)")
  .option("--json", "machine-readable output")
  .action(async (flags: ConnectionOptions & OutputFlags & { out: string; round?: string; store?: string; spec?: string; local?: string; bundle?: string }) => {
    const source = modelSource(flags);
    const round = flags.round === undefined ? undefined : parseRound(flags.round);
    const { connection, reader } = readerFor(flags);
    const result = await modelExportCommand({ out: flags.out, source, ...(round === undefined ? {} : { round }), range: connection.range }, { reader });
    print(result, flags, formatModelExport);
  });

const releaseCommand = program.command("release").description("model releases approved by k of n approvers");
withKeyOptions(withChainOptions(releaseCommand.command("approve").description("sign, as an approver, the release of a recorded round's model under a tag with its evaluation report; prints the approval JSON (or writes it with --out)"), false), false)
  .requiredOption("--round <n>", "the round whose model to release")
  .requiredOption("--tag <tag>", "the release's name, e.g. v1.2 (1 to 64 bytes)")
  .requiredOption("--report <file>", "the evaluation report; its SHA-256 is what the approval binds")
  .option("--out <file>", "write the approval JSON here, for `fedledger-operator release record --approval`")
  .option("--json", "with --out: print the approval JSON too")
  .action(async (flags: ConnectionOptions & KeyFlags & OutputFlags & { round: string; tag: string; report: string; out?: string }) => {
    const { reader } = readerFor(flags);
    const account = await resolveAccount(keyOptions(flags), env);
    const options = { round: parseRound(flags.round), tag: flags.tag, report: flags.report, ...(flags.out === undefined ? {} : { out: flags.out }) };
    const result = await releaseApproveCommand(options, { reader, account });
    process.stdout.write(`${flags.json === true ? JSON.stringify(result.approval, null, 2) : formatReleaseApprove(result)}\n`);
  });

withDatasetOptions(
  withChainOptions(
    program.command("audit").description("re-derive every recorded round's aggregate and scores from the stored updates and compare them with the chain; exits 1 on any difference"),
    true,
  )
    .option("--store <dir>", "audit a coordinator's storage.dir")
    .option("--bundle <file>", "audit a bundle from `fedledger-operator export-audit`")
    .option("--evaluation <spec>", `the coordinator's evaluation data, ${DATASET_SPEC_FORMS} (default: the dataset its audit-config.json names)`)
    .option("--json", "machine-readable output"),
).action(async (flags: ConnectionOptions & OutputFlags & CsvSpecOptions & { store?: string; bundle?: string; evaluation?: string }) => {
  const source = auditSource(flags);
  const { connection, reader } = readerFor(flags);
  const evaluation = flags.evaluation === undefined ? undefined : { spec: flags.evaluation, csv: csvOptions(flags) };
  const result = await auditCommand({ source, range: connection.range, ...(evaluation === undefined ? {} : { evaluation }) }, { reader });
  print(result, flags, formatAudit);
  const failure = auditFailure(result);
  if (failure) throw failure;
});

withChainOptions(
  program.command("dashboard").description("serve the contributor dashboard in the browser: rounds and lineage, accuracy and loss, scores, rewards and claims, refusals; read from the chain"),
  true,
)
  .option("--bundle <file>", "show accuracy, loss and refusals from an audit bundle's signed statements (`fedledger-operator export-audit`); without it they are off-chain and not shown")
  .option("--host <host>", "interface to listen on", "127.0.0.1")
  .option("--port <port>", "port to listen on (0: any free port)", "8090")
  .option("--json", "print { url, ledger, chainId, rounds, details } as JSON once listening")
  .action(async (flags: ConnectionOptions & OutputFlags & { bundle?: string; host: string; port: string }) => {
    const port = parsePort(flags.port);
    const { connection, reader } = readerFor(flags);
    const options = { rpcUrl: connection.rpcUrl, host: flags.host, port, range: connection.range, ...(flags.bundle === undefined ? {} : { bundle: flags.bundle }) };
    const { result, server } = await dashboardCommand(options, { reader });
    print(result, flags, formatDashboard);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    await server.close();
    process.exit(process.exitCode ?? 0);
  });

withDatasetOptions(
  program
    .command("predict")
    .description("run an exported model on a dataset: each row's predicted class, and the accuracy against its labels")
    .requiredOption("--model <dir>", "a directory from `fedledger model export` (any TensorFlow.js Layers model directory)")
    .requiredOption("--data <spec>", DATASET_SPEC_FORMS)
    .option("--backend <name>", "TensorFlow.js backend: tensorflow, wasm or cpu (default: fastest available)")
    .option("--json", "machine-readable output"),
).action(async (flags: CsvSpecOptions & OutputFlags & { model: string; data: string; backend?: string }) => {
  const dataset = parseDatasetSpec(flags.data, csvOptions(flags));
  const backend = flags.backend === undefined ? undefined : parseBackend(flags.backend);
  print(await predictCommand({ model: flags.model, dataset, ...(backend === undefined ? {} : { backend }) }), flags, formatPredict);
});

withDatasetOptions(
  withKeyOptions(withChainOptions(program.command("join").description("train with a coordinator until its last round is recorded (exit 0) or until stopped (Ctrl-C)"), false), false)
    .requiredOption("--coordinator <url>", "coordinator URL")
    .requiredOption("--dataset <spec>", `local training data: ${DATASET_SPEC_FORMS}`)
    .option("--backend <name>", "TensorFlow.js backend: tensorflow, wasm or cpu (default: fastest available)")
    .option("--model-dir <dir>", "keep the latest global model here each round, for `fedledger model export --local`")
    .option("--json", "print the summary as JSON on stdout ({ roundsSubmitted, finished, lastRound }); progress goes to stderr"),
).action(async (flags: ConnectionOptions & KeyFlags & OutputFlags & CsvSpecOptions & { coordinator: string; dataset: string; backend?: string; modelDir?: string }) => {
  const connection = resolveConnection(flags, env);
  const dataset = parseDatasetSpec(flags.dataset, csvOptions(flags));
  const backend = flags.backend === undefined ? undefined : parseBackend(flags.backend);
  const coordinatorUrl = parseCoordinatorUrl(flags.coordinator);
  const account = await resolveAccount(keyOptions(flags), env);
  // A variable specifier keeps tsc from resolving a module another team is still writing.
  // In the build, rewriteRelativeImportExtensions maps it to runParticipant.js at run time.
  const runtimeModule: string = "../client/runParticipant.ts";
  const runParticipant = await loadParticipantRuntime(() => import(runtimeModule));
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`${signal}: leaving the federation (again to force)\n`);
    controller.abort(new FedLedgerError("INTERNAL", `stopped by ${signal}`));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const result = await joinCommand(
    {
      coordinatorUrl,
      dataset,
      ...(backend === undefined ? {} : { backend }),
      ...(flags.modelDir === undefined ? {} : { modelDir: flags.modelDir }),
      rpcUrl: connection.rpcUrl,
      ledger: connection.ledger,
    },
    // With --json, stdout carries only the summary; the progress lines go to stderr.
    { account, signal: controller.signal, runParticipant, ...(flags.json === true ? { output: process.stderr } : {}) },
  );
  if (flags.json === true && result !== undefined) process.stdout.write(`${toJson(result)}\n`);
  process.exit(process.exitCode ?? 0);
});

await program.parseAsync(process.argv).catch(reportError);
