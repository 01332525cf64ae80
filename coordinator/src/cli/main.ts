// fedledger-operator: the operator's command line. The only coordinator file that reads
// the environment and argv. Secrets: FEDLEDGER_OPERATOR_KEY (private key),
// or --keystore FILE with FEDLEDGER_KEYSTORE_PASSPHRASE, or FEDLEDGER_MNEMONIC.
import { readFileSync } from "node:fs";
import { Command } from "commander";
import pino from "pino";
import { type Address, BaseError, ContractFunctionRevertedError, formatUnits, getAddress, type Hex, isAddress, parseUnits } from "viem";
import {
  contentHash,
  encodeWeights,
  FedLedgerError,
  initialWeights,
  isFedLedgerError,
  isValidDatasetSize,
  type KeySource,
  layerLayout,
  loadAccount,
  MAX_DATASET_SIZE,
  parseModelSpec,
} from "@fedledger/client-sdk";
import { parseCoordinatorConfig, parseModelConfig } from "../config/coordinatorConfig.ts";
import { fundLedger } from "./commands/fund.ts";
import { deactivateParticipant, registerParticipant } from "./commands/registry.ts";
import { startCoordinator } from "./commands/start.ts";
import { ledgerStatus } from "./commands/status.ts";
import { operatorClients } from "./operatorContext.ts";

type Common = { rpcUrl?: string; ledger?: string; keystore?: string; json?: boolean };

function keySource(options: Common): KeySource {
  if (options.keystore) return { kind: "keystore", keystore: options.keystore, passphrase: process.env.FEDLEDGER_KEYSTORE_PASSPHRASE ?? "" };
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

/** Reads a JSON config file; an unreadable file or invalid JSON is INVALID_CONFIG. */
function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new FedLedgerError("INVALID_CONFIG", `Cannot read the config file ${file}`, { details: messageOf(error), cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new FedLedgerError("INVALID_CONFIG", `The config file ${file} is not JSON`, { details: messageOf(error), cause: error });
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
    const name = reverted.data ? `${reverted.data.errorName}(${(reverted.data.args ?? []).map(String).join(", ")})` : (reverted.reason ?? "an unknown reason");
    return new FedLedgerError("CHAIN_ERROR", `${firstLine(reverted.shortMessage).replace(/\.$/, "")} with ${name}`, { cause: error });
  }
  return new FedLedgerError("CHAIN_ERROR", firstLine(error.shortMessage), { ...(error.details ? { details: firstLine(error.details) } : {}), cause: error });
}

const print = (options: Common, data: Record<string, unknown>, human: string) =>
  console.log(options.json ? JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) : human);

const program = new Command().name("fedledger-operator").description("Operate a fedledger coordinator and its ledger");
const withCommon = (c: Command) =>
  c.option("--rpc-url <url>", "JSON-RPC endpoint").option("--ledger <address>", "ContributionLedger address").option("--keystore <file>", "operator keystore").option("--json", "machine-readable output");

withCommon(program.command("deploy").description("deploy the token and ledger through the Ignition module"))
  .requiredOption("--config <file>", "coordinator config (its model defines the genesis hash)")
  .option("--network <name>", "network in hardhat.config.ts", "localhost")
  .action(async (options: Common & { config: string; network: string }) => {
    // Only the model matters here: the ledger (chain.ledger) does not exist yet.
    const model = parseModelConfig(readConfigFile(options.config));
    const spec = parseModelSpec(model.spec);
    const genesisModelHash = await contentHash(encodeWeights(initialWeights(spec, model.seed), layerLayout(spec)));
    // Hardhat loads only for deploy: every other command starts faster without it.
    const { deployWithIgnition } = await import("../ledger/deployWithIgnition.ts");
    const deployed = await deployWithIgnition({
      networkName: options.network,
      ...(options.rpcUrl ? { rpcUrl: options.rpcUrl } : {}),
      genesisModelHash,
      keepJournal: options.network !== "localhost",
    }).catch((error: unknown) => {
      // Hardhat and Ignition throw their own errors (unreachable node, unknown network, failed transaction).
      if (isFedLedgerError(error) || error instanceof BaseError) throw error;
      throw new FedLedgerError("CHAIN_ERROR", `Deployment failed: ${messageOf(error)}`, { cause: error });
    });
    print(options, { ...deployed, genesisModelHash }, `ledger ${deployed.ledger}\ntoken  ${deployed.token}\ngenesis model ${genesisModelHash}`);
  });

withCommon(program.command("register <address>").description("register a participant with its dataset commitment and size (from `fedledger fingerprint`)"))
  .requiredOption("--commitment <bytes32>", "the participant's dataset commitment")
  .requiredOption("--dataset-size <n>", "the records the commitment binds; no update may declare more samples")
  .action(async (who: string, options: Common & { commitment: string; datasetSize: string }) => {
    if (!/^0x[0-9a-fA-F]{64}$/.test(options.commitment)) throw new FedLedgerError("INVALID_CONFIG", "--commitment must be 32 bytes of hex");
    const size = datasetSize(options.datasetSize);
    const result = await registerParticipant(await target(options), address(who, "address"), options.commitment as Hex, size);
    print(options, result, `registered ${who} with ${size} records (tx ${result.txHash})`);
  });

withCommon(program.command("deactivate <address>").description("deactivate a participant")).action(async (who: string, options: Common) => {
  const result = await deactivateParticipant(await target(options), address(who, "address"));
  print(options, result, `deactivated ${who} (tx ${result.txHash})`);
});

withCommon(program.command("fund <amount>").description("deposit reward tokens (whole tokens, 18 decimals)")).action(async (amount: string, options: Common) => {
  const result = await fundLedger(await target(options), parseUnits(amount, 18));
  print(options, result, `funded ${amount} (tx ${result.txHash})`);
});

withCommon(program.command("status").description("rounds, participants and balances")).action(async (options: Common) => {
  const t = await target(options);
  const s = await ledgerStatus(t.publicClient, t.ledger);
  const lines = [
    `ledger ${s.ledger}: ${s.latestRound} rounds recorded, head model ${s.headModelHash}`,
    `budget ${formatUnits(s.roundBudget, 18)} per round; funded ${formatUnits(s.totalFunded, 18)}, credited ${formatUnits(s.totalCredited, 18)}`,
    ...s.participants.map((p) => `  ${p.address} ${p.status.padEnd(8)} ${p.datasetSize} records, credited ${formatUnits(p.credited, 18)} claimed ${formatUnits(p.claimed, 18)}`),
  ];
  print(options, s, lines.join("\n"));
});

program
  .command("start")
  .description("run training rounds")
  .requiredOption("--config <file>", "coordinator config (JSON)")
  .option("--keystore <file>", "operator keystore")
  .option("--log-level <level>", "pino log level", "info")
  .action(async (options: Common & { config: string; logLevel: string }) => {
    const config = parseCoordinatorConfig(readConfigFile(options.config));
    const account = await loadAccount(keySource(options));
    const controller = new AbortController();
    process.once("SIGINT", () => controller.abort());
    process.once("SIGTERM", () => controller.abort());
    const logger = pino({ level: options.logLevel });
    const rounds = await startCoordinator({ config, account, logger, signal: controller.signal, onListening: (url) => logger.info({ url }, "listening") });
    logger.info({ recorded: rounds.length }, "done");
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
