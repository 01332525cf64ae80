import type { Address } from "viem";
import { parseAddress } from "../chain/ledgerClients.ts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { loadAccount } from "../identity/loadAccount.ts";
import { type Environment, type KeyOptions, resolveKeySource } from "./resolveKeySource.ts";

/**
 * The participant a read-only command is about: `--address` when given (INVALID_CONFIG
 * when malformed), else the address of the configured signing key. Throws INVALID_CONFIG
 * when there is neither, or when `--address` is combined with an explicit key option.
 */
export async function resolveAddress(options: KeyOptions & { address?: string }, env: Environment): Promise<Address> {
  if (options.address !== undefined) {
    if (options.keystore !== undefined || options.mnemonicEnv !== undefined || options.privateKeyEnv !== undefined) {
      throw new FedLedgerError("INVALID_CONFIG", "Give either --address or a key option, not both");
    }
    return parseAddress(options.address, "--address");
  }
  const source = resolveKeySource(options, env, false);
  if (source === undefined) {
    throw new FedLedgerError("INVALID_CONFIG", "No participant address", {
      details: "pass --address, or a signing key (FEDLEDGER_PRIVATE_KEY, --private-key-env, --keystore, --mnemonic-env)",
    });
  }
  return (await loadAccount(source)).address;
}
