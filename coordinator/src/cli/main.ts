// fedledger-operator: the operator's command line. The only coordinator file that reads
// the environment and argv. Secrets: FEDLEDGER_OPERATOR_KEY (private key),
// or --keystore FILE with FEDLEDGER_KEYSTORE_PASSPHRASE, or FEDLEDGER_MNEMONIC.
import { readFileSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import { type Address, BaseError, ContractFunctionRevertedError, getAddress, type Hex, isAddress, parseUnits, type PublicClient } from "viem";
import {
  contentHash,
  createLedgerReader,
  describeAttestation,
  encodeWeights,
  FedLedgerError,
  formatAmount,
  formatKeyNew,
  initialWeights,
  isFedLedgerError,
  isValidDatasetSize,
  KEY_NEW_HELP,
  KEYSTORE_PASSPHRASE_ENV,
  keyNewCommand,
  type KeySource,
  layerLayout,
  loadAccount,
  loadPrivateKey,
  MAX_DATASET_SIZE,
  parseModelSpec,
  readRewardToken,
  resolveAttestation,
  type RewardTokenInfo,
} from "@fedledger/client-sdk";
import { parseCoordinatorConfig, parseModelConfig } from "../config/coordinatorConfig.ts";
import { exampleConfigText } from "../config/exampleConfig.ts";
import { parseJsonc } from "../config/parseJsonc.ts";
import { exportAudit } from "./commands/exportAudit.ts";
import { reportCommand } from "./commands/report.ts";
import { fundLedger } from "./commands/fund.ts";
import { describeLedgerError, ledgerRefusal } from "../ledger/ledgerRefusal.ts";
import { LEDGER_ROLES, roleByName } from "../ledger/ledgerRoles.ts";
import { grantRole, pauseLedger, revokeRole, unpauseLedger } from "./commands/ledgerAdmin.ts";
import { deactivateParticipant, reactivateParticipant, registerParticipant } from "./commands/registry.ts";
import { deprecateRelease, recordRelease, rollbackRelease } from "./commands/releases.ts";
import { startCoordinator } from "./commands/start.ts";
import { chooseLogFormat, createLogger } from "./createLogger.ts";
import { ledgerStatus } from "./commands/status.ts";
import { operatorClients } from "./operatorContext.ts";

type Common = { rpcUrl?: string; ledger?: string; keystore?: string; json?: boolean };

function keySource(options: Common): KeySource {
  if (options.keystore) return { kind: "keystore", keystore: options.keystore, passphrase: process.env[KEYSTORE_PASSPHRASE_ENV] ?? "" };
  if (process.env.FEDLEDGER_OPERATOR_KEY) return { kind: "privateKey", privateKey: process.env.FEDLEDGER_OPERATOR_KEY as Hex };
  if (process.env.FEDLEDGER_MNEMONIC) return { kind: "mnemonic", mnemonic: process.env.FEDLEDGER_MNEMONIC };
  throw new FedLedgerError("KEY_ERROR", "No operator key: set FEDLEDGER_OPERATOR_KEY, FEDLEDGER_MNEMONIC, or pass --keystore");
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new FedLedgerError("INVALID_CONFIG", `Missing ${name}`);
  return value;
}

/** A dataset size the ledger registers: a whole number of records in [1, 2^48 - 1]. */
function datasetSize(value: string): number {
  const size = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!isValidDatasetSize(size)) {
    throw new FedLedgerError("INVALID_CONFIG", `--dataset-size must be a whole number of records from 1 to ${MAX_DATASET_SIZE}`, { details: `got ${JSON.stringify(value)}` });
  }
  return size;
}

/** A whole number from `min` (a round, a release id, a threshold). */
function wholeNumber(value: string, name: string, min: number): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new FedLedgerError("INVALID_CONFIG", `${name} must be a whole number from ${min}`, { details: `got ${JSON.stringify(value.slice(0, 40))}` });
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function address(value: string, name: string): Address {
  if (!isAddress(value)) throw new FedLedgerError("INVALID_CONFIG", `${name} is not an address`, { details: value });
  return getAddress(value);
}

async function target(options: Common) {
  const rpcUrl = required(options.rpcUrl ?? process.env.FEDLEDGER_RPC_URL, "--rpc-url (or FEDLEDGER_RPC_URL)");
  const ledger = address(required(options.ledger ?? process.env.FEDLEDGER_LEDGER, "--ledger (or FEDLEDGER_LEDGER)"), "--ledger");
  const account = await loadAccount(keySource(options));
  return { ...(await operatorClients({ rpcUrl, account })), ledger };
}

const firstLine = (text: string) => text.split("\n", 1)[0]?.trim() ?? "";
const messageOf = (error: unknown) => firstLine(error instanceof Error ? error.message : String(error));

/** Reads a JSON config file, comments allowed (parseJsonc); an unreadable file or invalid JSON is INVALID_CONFIG. */
function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new FedLedgerError("INVALID_CONFIG", `Cannot read the config file ${file}`, { details: messageOf(error), cause: error });
  }
  try {
    return parseJsonc(text);
  } catch (error) {
    throw new FedLedgerError("INVALID_CONFIG", `The config file ${file} is not JSON (comments allowed)`, { details: messageOf(error), cause: error });
  }
}

/**
 * A viem failure as one typed line: `shortMessage`, and for a contract revert the ledger's
 * custom error with its arguments (e.g. LedgerParticipantAlreadyRegistered(0x...)).
 * Request arguments and URLs (which may hold API keys) are left out.
 */
function chainError(error: BaseError): FedLedgerError {
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError) {
    // The ledger's custom error, a missing role by its name (describeLedgerError).
    const refusal = reverted.data ? ledgerRefusal(error) : undefined;
    const why = refusal ? describeLedgerError(refusal) : (reverted.reason ?? "an unknown reason");
    const code = refusal?.errorName === "AccessControlUnauthorizedAccount" ? "MISSING_ROLE" : "CHAIN_ERROR";
    return new FedLedgerError(code, `${firstLine(reverted.shortMessage).replace(/\.$/, "")}: ${why}`, { cause: error });
  }
  return new FedLedgerError("CHAIN_ERROR", firstLine(error.shortMessage), { ...(error.details ? { details: firstLine(error.details) } : {}), cause: error });
}

const print = (options: Common, data: Record<string, unknown>, human: string) =>
  console.log(options.json ? JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) : human);

/** The environment the commands read, for their --help. */
const ENVIRONMENT_HELP = `
Environment (the operator key: one of the first three):
  FEDLEDGER_OPERATOR_KEY         the 0x private key
  FEDLEDGER_MNEMONIC             a BIP-39 mnemonic (address index 0)
  ${KEYSTORE_PASSPHRASE_ENV}  the passphrase of the --keystore file
  FEDLEDGER_RPC_URL, FEDLEDGER_LEDGER  defaults of --rpc-url and --ledger`;

const program = new Command().name("fedledger-operator").description("Operate a fedledger coordinator and its ledger");
const withCommon = (c: Command) =>
  c
    .option("--rpc-url <url>", "JSON-RPC endpoint")
    .option("--ledger <address>", "ContributionLedger address")
    .option("--keystore <file>", `operator keystore (passphrase in ${KEYSTORE_PASSPHRASE_ENV})`)
    .option("--json", "machine-readable output")
    .addHelpText("after", ENVIRONMENT_HELP);

program
  .command("init")
  .description("write an example coordinator config, commented (JSON with // comments), to edit")
  .option("--out <file>", "the config file to create (never overwritten)", "coordinator.json")
  .option("--rpc-url <url>", "the chain's JSON-RPC endpoint to put in it")
  .option("--ledger <address>", "the ledger address to put in it (what deploy prints)")
  .action((options: { out: string; rpcUrl?: string; ledger?: string }) => {
    const text = exampleConfigText({ ...(options.rpcUrl ? { rpcUrl: options.rpcUrl } : {}), ...(options.ledger ? { ledger: address(options.ledger, "--ledger") } : {}) });
    try {
      writeFileSync(options.out, text, { flag: "wx" });
    } catch (error) {
      const exists = (error as NodeJS.ErrnoException).code === "EEXIST";
      throw new FedLedgerError("INVALID_CONFIG", exists ? `${options.out} exists; init never overwrites a config` : `Cannot write ${options.out}`, { details: messageOf(error) });
    }
    console.log(`wrote ${options.out}: edit it, then \`npx fedledger-operator deploy --config ${options.out}\` and \`npx fedledger-operator start --config ${options.out}\``);
  });

const keyCommand = program.command("key").description("the operator's key");
keyCommand
  .command("new")
  .description(KEY_NEW_HELP.description)
  .requiredOption("--out <file>", KEY_NEW_HELP.out)
  .option("--json", "machine-readable output")
  .action(async (options: Common & { out: string }) => {
    const result = await keyNewCommand({ out: options.out }, { env: process.env, terminal: { input: process.stdin, output: process.stderr } });
    print(options, result, formatKeyNew(result));
  });
keyCommand
  .command("address")
  .description("print the address of the operator key")
  .option("--keystore <file>", `operator keystore (passphrase in ${KEYSTORE_PASSPHRASE_ENV})`)
  .option("--json", "machine-readable output")
  .addHelpText("after", ENVIRONMENT_HELP)
  .action(async (options: Common) => {
    const { address: account } = await loadAccount(keySource(options));
    print(options, { address: account }, account);
  });

type DeployOptions = Common & {
  config: string;
  network: string;
  admin?: string;
  registrar?: string;
  coordinator?: string;
  approver?: string[];
  releaseThreshold?: string;
  budget?: string;
  deploymentId?: string;
  reuse?: boolean;
};
withCommon(program.command("deploy").description("deploy the token and ledger through the Ignition module, from the operator key"))
  .requiredOption("--config <file>", "coordinator config (its model defines the genesis hash)")
  .option("--network <name>", "network in hardhat.config.ts", "localhost")
  .option("--admin <address>", "holds the admin role (pause, budget, roles); default: the deployer")
  .option("--registrar <address>", "holds the registrar role (register, deactivate, reactivate); default: the deployer")
  .option("--coordinator <address>", "holds the coordinator role (the key `start` runs with); default: the deployer")
  .option("--approver <address>", "holds the approver role (approves, deprecates, rolls back model releases); repeat for each; default: the admin", collect)
  .option("--release-threshold <k>", "approvals a model release needs, 1 to the number of approvers (default 1)")
  .option("--budget <tokens>", "tokens credited per round, at the token's decimals (default 1000)")
  .option("--deployment-id <name>", "a new deployment on a chain already deployed to (default: fedledger-chain-<chainId>)")
  .option("--reuse", "return the existing deployment's addresses instead of refusing a second deploy")
  .action(async (options: DeployOptions) => {
    // Only the model matters here: the ledger (chain.ledger) does not exist yet.
    const model = parseModelConfig(readConfigFile(options.config));
    const roles = {
      ...(options.admin ? { admin: address(options.admin, "--admin") } : {}),
      ...(options.registrar ? { registrar: address(options.registrar, "--registrar") } : {}),
      ...(options.coordinator ? { coordinator: address(options.coordinator, "--coordinator") } : {}),
    };
    const approvers = (options.approver ?? []).map((a) => address(a, "--approver"));
    const releaseThreshold = options.releaseThreshold === undefined ? 1 : wholeNumber(options.releaseThreshold, "--release-threshold", 1);
    const deployerKey = await loadPrivateKey(keySource(options));
    const spec = parseModelSpec(model.spec);
    const genesisModelHash = await contentHash(encodeWeights(initialWeights(spec, model.seed), layerLayout(spec)));
    // Hardhat loads only for deploy: every other command starts faster without it.
    const { buildContracts } = await import("../ledger/buildContracts.ts");
    await buildContracts().catch((error: unknown) => {
      throw new FedLedgerError("INTERNAL", `Building the contracts failed: ${messageOf(error)}`, { cause: error });
    });
    const { deployWithIgnition } = await import("../ledger/deployWithIgnition.ts");
    const deployed = await deployWithIgnition({
      networkName: options.network,
      ...(options.rpcUrl ? { rpcUrl: options.rpcUrl } : {}),
      deployerKey,
      genesisModelHash,
      ...roles,
      ...(approvers.length > 0 ? { approvers } : {}),
      releaseThreshold,
      ...(options.budget ? { roundBudget: { tokens: options.budget } } : {}),
      keepJournal: true,
      ...(options.deploymentId ? { deploymentId: options.deploymentId } : {}),
      reuse: options.reuse ?? false,
    }).catch((error: unknown) => {
      // Hardhat and Ignition throw their own errors (unreachable node, unknown network, failed transaction).
      if (isFedLedgerError(error) || error instanceof BaseError) throw error;
      throw new FedLedgerError("CHAIN_ERROR", `Deployment failed: ${messageOf(error)}`, { cause: error });
    });
    if (deployed.reused) {
      print(options, deployed, `reused the deployment ${deployed.deploymentId}\nledger ${deployed.ledger}\ntoken  ${deployed.token}`);
      return;
    }
    const { deployer } = deployed;
    const defaultApprovers = approvers.length > 0 ? approvers : [roles.admin ?? deployer];
    const summary = { ...deployed, genesisModelHash, admin: deployer, registrar: deployer, coordinator: deployer, ...roles, approvers: defaultApprovers, releaseThreshold };
    const human = [
      `ledger ${deployed.ledger}`,
      `token  ${deployed.token}`,
      `genesis model ${genesisModelHash}`,
      `deployment ${deployed.deploymentId} from ${deployer}; admin ${summary.admin}, registrar ${summary.registrar}, coordinator ${summary.coordinator}`,
      `release approvers ${summary.approvers.join(", ")}; ${releaseThreshold} approval(s) per release`,
    ];
    print(options, summary, human.join("\n"));
  });

withCommon(program.command("register <address>").description("register a participant with its dataset commitment and size (from `fedledger fingerprint`), and its consent or licence attestation"))
  .requiredOption("--commitment <bytes32>", "the participant's dataset commitment")
  .requiredOption("--dataset-size <n>", "the records the commitment binds; no update may declare more samples")
  .option("--attestation <file>", "the consent or licence document the dataset is contributed under: its SHA-256 is recorded, the file is not sent")
  .option("--attestation-digest <0x…>", "the document's SHA-256 (from the institution's `fedledger fingerprint --attestation`), instead of --attestation")
  .action(async (who: string, options: Common & { commitment: string; datasetSize: string; attestation?: string; attestationDigest?: string }) => {
    if (!/^0x[0-9a-fA-F]{64}$/.test(options.commitment)) throw new FedLedgerError("INVALID_CONFIG", "--commitment must be 32 bytes of hex");
    const size = datasetSize(options.datasetSize);
    const attestationDigest = await resolveAttestation({
      ...(options.attestation === undefined ? {} : { attestation: options.attestation }),
      ...(options.attestationDigest === undefined ? {} : { attestationDigest: options.attestationDigest }),
    });
    const result = await registerParticipant(await target(options), address(who, "address"), options.commitment as Hex, size, attestationDigest);
    print(options, { ...result, attestationDigest }, `registered ${who} with ${size} records, attestation ${describeAttestation(attestationDigest)} (tx ${result.txHash})`);
  });

withCommon(program.command("deactivate <address>").description("deactivate a participant")).action(async (who: string, options: Common) => {
  const result = await deactivateParticipant(await target(options), address(who, "address"));
  print(options, result, `deactivated ${who} (tx ${result.txHash})`);
});

withCommon(program.command("reactivate <address>").description("reactivate a deactivated participant (registrar role)")).action(async (who: string, options: Common) => {
  const result = await reactivateParticipant(await target(options), address(who, "address"));
  print(options, result, `reactivated ${who} (tx ${result.txHash})`);
});

withCommon(program.command("pause").description("pause the ledger: no registering, funding, recording or claiming until unpaused (admin role)")).action(async (options: Common) => {
  const result = await pauseLedger(await target(options));
  print(options, result, `paused the ledger (tx ${result.txHash})`);
});

withCommon(program.command("unpause").description("lift a pause (admin role)")).action(async (options: Common) => {
  const result = await unpauseLedger(await target(options));
  print(options, result, `unpaused the ledger (tx ${result.txHash})`);
});

const ROLE_NAMES = [...LEDGER_ROLES.keys()].join(", ");
withCommon(program.command("grant-role <role> <address>").description(`give a ledger role (${ROLE_NAMES}) to an address (admin role)`)).action(
  async (role: string, who: string, options: Common) => {
    const roleHash = roleByName(role);
    const result = await grantRole(await target(options), roleHash, address(who, "address"));
    print(options, result, `granted ${role} to ${who} (tx ${result.txHash})`);
  },
);

withCommon(program.command("revoke-role <role> <address>").description(`take a ledger role (${ROLE_NAMES}) from an address (admin role)`)).action(
  async (role: string, who: string, options: Common) => {
    const roleHash = roleByName(role);
    const result = await revokeRole(await target(options), roleHash, address(who, "address"));
    print(options, result, `revoked ${role} from ${who} (tx ${result.txHash})`);
  },
);

const releaseCommand = program.command("release").description("model releases: record one from k approvals, deprecate, roll back");
withCommon(releaseCommand.command("record").description("record a release of a round's model from its approvers' approvals (`fedledger release approve`); any key may send it"))
  .requiredOption("--round <n>", "the round whose model is released")
  .requiredOption("--tag <tag>", "the release's name, as the approvers signed it")
  .requiredOption("--report <file>", "the evaluation report the approvers signed (its SHA-256)")
  .requiredOption("--approval <file>", "an approval JSON; repeat for each approver", collect)
  .action(async (options: Common & { round: string; tag: string; report: string; approval: string[] }) => {
    const round = wholeNumber(options.round, "--round", 1);
    const r = await recordRelease(await target(options), { round, tag: options.tag, report: options.report, approvalFiles: options.approval });
    print(options, r, `recorded release ${r.releaseId} ${JSON.stringify(r.tag)} of round ${r.round} (model ${r.modelHash}), approved by ${r.approvers.join(", ")} (tx ${r.txHash})`);
  });
withCommon(releaseCommand.command("deprecate <id>").description("mark a release deprecated (approver role); it stays current until a rollback"))
  .requiredOption("--reason <text>", "why, recorded in the event")
  .action(async (id: string, options: Common & { reason: string }) => {
    const releaseId = wholeNumber(id, "the release id", 1);
    const result = await deprecateRelease(await target(options), BigInt(releaseId), options.reason);
    print(options, { ...result, releaseId }, `deprecated release ${releaseId} (tx ${result.txHash})`);
  });
withCommon(releaseCommand.command("rollback <id>").description("make the earlier, non-deprecated release ID current again (approver role)"))
  .requiredOption("--reason <text>", "why, recorded in the event")
  .action(async (id: string, options: Common & { reason: string }) => {
    const releaseId = wholeNumber(id, "the release id", 1);
    const result = await rollbackRelease(await target(options), BigInt(releaseId), options.reason);
    print(options, { ...result, releaseId }, `rolled back to release ${releaseId} (tx ${result.txHash})`);
  });

/** The reward token's metadata; amounts without decimals cannot be converted, so they are refused. */
async function tokenOf(t: { publicClient: PublicClient; ledger: Address }): Promise<RewardTokenInfo & { decimals: number }> {
  const token = await readRewardToken({ client: t.publicClient, ledger: t.ledger });
  if (token.decimals === null) throw new FedLedgerError("CHAIN_ERROR", "The reward token does not expose decimals()", { details: token.address });
  return { ...token, decimals: token.decimals };
}

withCommon(program.command("fund <amount>").description("deposit reward tokens (in token units, converted with the token's decimals)")).action(async (amount: string, options: Common) => {
  const t = await target(options);
  const token = await tokenOf(t);
  const result = await fundLedger(t, parseUnits(amount, token.decimals));
  print(options, result, `funded ${formatAmount(parseUnits(amount, token.decimals), token)} (tx ${result.txHash})`);
});

withCommon(program.command("status").description("rounds, participants and balances")).action(async (options: Common) => {
  const t = await target(options);
  const s = await ledgerStatus(t.publicClient, t.ledger);
  const token = await tokenOf(t);
  const amount = (value: bigint) => formatAmount(value, token);
  const lines = [
    `ledger ${s.ledger}: ${s.latestRound} rounds recorded, head model ${s.headModelHash}`,
    `budget ${amount(s.roundBudget)} per round; funded ${amount(s.totalFunded)}, credited ${amount(s.totalCredited)}`,
    `releases: ${s.releases.count}, ${s.releases.threshold} approval(s) each; current ${
      s.releases.current === null ? "none" : `${s.releases.current.releaseId} ${JSON.stringify(s.releases.current.tag)} (round ${s.releases.current.round}${s.releases.current.deprecated ? ", deprecated" : ""})`
    }`,
    ...s.participants.map(
      (p) => `  ${p.address} ${p.status.padEnd(8)} ${p.datasetSize} records, attestation ${describeAttestation(p.attestationDigest)}, credited ${amount(p.credited)} claimed ${amount(p.claimed)}`,
    ),
  ];
  print(options, s, lines.join("\n"));
});

program
  .command("export-audit")
  .description(
    "write an audit bundle for `fedledger audit --bundle`: every recorded round's signed updates, base and aggregate models, metadata and signed statement, the event log, the model spec and audit config, each release's approvals, and any dataset proofs given",
  )
  .requiredOption("--out <file>", "the bundle file to write")
  .option("--proof <address=file>", "a `fedledger prove` file to bundle, with the participant it is about (repeatable)", collect)
  .option("--config <file>", "coordinator config: the store is its storage.dir, the ledger its chain section")
  .option("--store <dir>", "the coordinator's storage.dir (instead of --config)")
  .option("--rpc-url <url>", "JSON-RPC endpoint (default: the config's, else FEDLEDGER_RPC_URL)")
  .option("--ledger <address>", "ContributionLedger address (default: the config's, else FEDLEDGER_LEDGER)")
  .option("--json", "machine-readable output")
  .action(async (options: Common & { out: string; config?: string; store?: string; proof?: string[] }) => {
    const config = options.config === undefined ? undefined : parseCoordinatorConfig(readConfigFile(options.config));
    const storeDir = required(options.store ?? config?.storage.dir, "the store: --config FILE or --store DIR");
    const rpcUrl = required(options.rpcUrl ?? config?.chain.rpcUrl ?? process.env.FEDLEDGER_RPC_URL, "--rpc-url (or FEDLEDGER_RPC_URL)");
    const ledger = address(required(options.ledger ?? config?.chain.ledger ?? process.env.FEDLEDGER_LEDGER, "--ledger (or FEDLEDGER_LEDGER)"), "--ledger");
    const proofs = (options.proof ?? []).map((v) => {
      const at = v.indexOf("=");
      if (at < 0) throw new FedLedgerError("INVALID_CONFIG", "--proof takes ADDRESS=FILE", { details: `got ${JSON.stringify(v.slice(0, 80))}` });
      return { participant: address(v.slice(0, at), "--proof"), file: v.slice(at + 1) };
    });
    const result = await exportAudit({ storeDir, out: options.out, proofs }, createLedgerReader({ rpcUrl, ledger }));
    print(
      options,
      result,
      `wrote ${result.out}: ${result.rounds} recorded round(s), ${result.statements} signed statement(s), ${result.eventLog ? "the event log" : "no event log"}, ${result.releases} release(s) with their approvals, ${result.proofs} dataset proof(s), ${result.objects} object(s), ${result.bytes} bytes`,
    );
  });

program
  .command("report")
  .description("write the model's technical documentation (EU AI Act Annex IV) as a model card: model-card.md, .json and .html, each claim with where it is verified")
  .requiredOption("--out <dir>", "the directory to write the model card into")
  .option("--config <file>", "coordinator config: the store is its storage.dir, the ledger its chain section; adds its modelCard text and training settings")
  .option("--store <dir>", "the coordinator's storage.dir (instead of --config)")
  .option("--rpc-url <url>", "JSON-RPC endpoint (default: the config's, else FEDLEDGER_RPC_URL)")
  .option("--ledger <address>", "ContributionLedger address (default: the config's, else FEDLEDGER_LEDGER)")
  .option("--json", "machine-readable output")
  .action(async (options: Common & { out: string; config?: string; store?: string }) => {
    const config = options.config === undefined ? undefined : parseCoordinatorConfig(readConfigFile(options.config));
    const storeDir = required(options.store ?? config?.storage.dir, "the store: --config FILE or --store DIR");
    const rpcUrl = required(options.rpcUrl ?? config?.chain.rpcUrl ?? process.env.FEDLEDGER_RPC_URL, "--rpc-url (or FEDLEDGER_RPC_URL)");
    const ledger = address(required(options.ledger ?? config?.chain.ledger ?? process.env.FEDLEDGER_LEDGER, "--ledger (or FEDLEDGER_LEDGER)"), "--ledger");
    const withConfig = options.config !== undefined && config !== undefined ? { config: { file: options.config, value: config } } : {};
    const { card: _card, ...result } = await reportCommand({ storeDir, out: options.out, ...withConfig }, createLedgerReader({ rpcUrl, ledger }));
    print(options, result, `wrote ${result.files.join(", ")}: ${result.rounds} recorded round(s), ${result.participants} participant(s)`);
  });

program
  .command("start")
  .description("run training rounds")
  .requiredOption("--config <file>", "coordinator config (JSON)")
  .option("--keystore <file>", `operator keystore (passphrase in ${KEYSTORE_PASSPHRASE_ENV})`)
  .option("--log-level <level>", "pino log level", "info")
  .option("--log-format <format>", "json or pretty (default: pretty on a terminal, else JSON lines)")
  .addHelpText("after", ENVIRONMENT_HELP)
  .action(async (options: Common & { config: string; logLevel: string; logFormat?: string }) => {
    const logFormat = chooseLogFormat(options.logFormat, process.stdout.isTTY === true);
    const config = parseCoordinatorConfig(readConfigFile(options.config));
    const account = await loadAccount(keySource(options));
    const controller = new AbortController();
    process.once("SIGINT", () => controller.abort());
    process.once("SIGTERM", () => controller.abort());
    const logger = await createLogger({ level: options.logLevel, format: logFormat });
    const rounds = await startCoordinator({ config, account, logger, signal: controller.signal, onListening: (url) => logger.info({ url }, "listening") });
    const last = rounds.at(-1);
    logger.info({ recordedNow: rounds.length, lastRound: last?.round ?? null }, controller.signal.aborted ? "stopped" : "training finished: coordinator exiting");
  });

try {
  await program.parseAsync();
  process.exit(0);
} catch (caught) {
  const error = caught instanceof BaseError ? chainError(caught) : caught;
  if (isFedLedgerError(error)) {
    console.error(`error [${error.code}]: ${error.shortMessage}${error.details ? `\n${error.details}` : ""}`);
    process.exit(2);
  }
  throw error;
}
