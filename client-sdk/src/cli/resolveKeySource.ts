import type { LocalAccount } from "viem/accounts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { type KeySource, loadAccount } from "../identity/loadAccount.ts";

/** Environment variables, as the CLI entry passes them in. */
export type Environment = Readonly<Record<string, string | undefined>>;

export const DEFAULT_PRIVATE_KEY_ENV = "FEDLEDGER_PRIVATE_KEY";
export const KEYSTORE_PASSPHRASE_ENV = "FEDLEDGER_KEYSTORE_PASSPHRASE";

/** Where the command line says the signing key is. Keys themselves only ever come from the environment or a file. */
export type KeyOptions = {
  /** Name of the variable holding a 0x private key (default FEDLEDGER_PRIVATE_KEY). */
  privateKeyEnv?: string;
  /** Path of a Web3 Secret Storage v3 file; its passphrase is in FEDLEDGER_KEYSTORE_PASSPHRASE. */
  keystore?: string;
  /** Name of the variable holding a BIP-39 mnemonic. */
  mnemonicEnv?: string;
  /** HD address index for the mnemonic (default 0). */
  mnemonicIndex?: number;
};

function fromEnv(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** The environment a key-taking command reads, for its --help. */
export const KEY_ENVIRONMENT_HELP = `
Environment:
  ${DEFAULT_PRIVATE_KEY_ENV}          the 0x private key, unless --private-key-env, --keystore or --mnemonic-env says otherwise
  ${KEYSTORE_PASSPHRASE_ENV}  the passphrase of the --keystore file
  the variables --private-key-env and --mnemonic-env name hold a private key or a BIP-39 mnemonic`;

const NO_KEY_HINT = `set ${DEFAULT_PRIVATE_KEY_ENV}, or use --private-key-env, --keystore or --mnemonic-env`;

/**
 * The key source `options` select: `--keystore`, `--mnemonic-env` or `--private-key-env`
 * (at most one), else FEDLEDGER_PRIVATE_KEY when set. Returns undefined when no key is
 * configured and `required` is false. Throws INVALID_CONFIG for conflicting options and
 * KEY_ERROR for a named variable that is unset, a keystore without passphrase, or (when
 * `required`) no key at all. Messages name variables, never their values.
 */
export function resolveKeySource(options: KeyOptions, env: Environment, required: boolean): KeySource | undefined {
  const chosen = [
    options.keystore !== undefined && "--keystore",
    options.mnemonicEnv !== undefined && "--mnemonic-env",
    options.privateKeyEnv !== undefined && "--private-key-env",
  ].filter((x) => x !== false);
  if (chosen.length > 1) {
    throw new FedLedgerError("INVALID_CONFIG", `Choose one key source, not ${chosen.join(" and ")}`);
  }
  if (options.mnemonicIndex !== undefined && options.mnemonicEnv === undefined) {
    throw new FedLedgerError("INVALID_CONFIG", "--mnemonic-index needs --mnemonic-env");
  }
  if (options.keystore !== undefined) {
    const passphrase = env[KEYSTORE_PASSPHRASE_ENV];
    if (passphrase === undefined) {
      throw new FedLedgerError("KEY_ERROR", `A keystore needs its passphrase in ${KEYSTORE_PASSPHRASE_ENV}`);
    }
    return { kind: "keystore", keystore: options.keystore, passphrase };
  }
  if (options.mnemonicEnv !== undefined) {
    const mnemonic = fromEnv(env, options.mnemonicEnv);
    if (mnemonic === undefined) throw new FedLedgerError("KEY_ERROR", `The environment variable ${options.mnemonicEnv} (mnemonic) is not set`);
    return options.mnemonicIndex === undefined
      ? { kind: "mnemonic", mnemonic }
      : { kind: "mnemonic", mnemonic, addressIndex: options.mnemonicIndex };
  }
  const variable = options.privateKeyEnv ?? DEFAULT_PRIVATE_KEY_ENV;
  const privateKey = fromEnv(env, variable);
  if (privateKey === undefined) {
    if (options.privateKeyEnv !== undefined) {
      throw new FedLedgerError("KEY_ERROR", `The environment variable ${variable} (private key) is not set`);
    }
    if (required) throw new FedLedgerError("KEY_ERROR", "No signing key", { details: NO_KEY_HINT });
    return undefined;
  }
  const trimmed = privateKey.trim();
  return { kind: "privateKey", privateKey: (trimmed.startsWith("0x") ? trimmed : `0x${trimmed}`) as `0x${string}` };
}

/** The signing account `options` select (see {@link resolveKeySource}); throws KEY_ERROR when there is none or it cannot be loaded. */
export async function resolveAccount(options: KeyOptions, env: Environment): Promise<LocalAccount> {
  const source = resolveKeySource(options, env, true);
  if (source === undefined) throw new FedLedgerError("KEY_ERROR", "No signing key", { details: NO_KEY_HINT });
  return loadAccount(source);
}
