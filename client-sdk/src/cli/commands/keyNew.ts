import type { Address } from "viem";
import { createKeystoreFile } from "../../identity/createKeystoreFile.ts";
import { newKeystorePassphrase } from "../newPassphrase.ts";
import type { Terminal } from "../promptHidden.ts";
import { type Environment, KEYSTORE_PASSPHRASE_ENV } from "../resolveKeySource.ts";

/** `key new`, the same in both command lines. */
export const KEY_NEW_HELP = {
  description: `create a new key in an encrypted keystore file (Web3 Secret Storage v3); passphrase from ${KEYSTORE_PASSPHRASE_ENV}, else asked on the terminal`,
  out: "the keystore file to create (never overwritten)",
} as const;

export type KeyNewResult = { address: Address; file: string };

/** A new random key in a new keystore file `out`; the passphrase from the environment, else typed on `terminal`. Throws KEY_ERROR. */
export function keyNewCommand(p: { out: string }, deps: { env: Environment; terminal: Terminal }): Promise<KeyNewResult> {
  return createKeystoreFile({ file: p.out, passphrase: () => newKeystorePassphrase(deps.env, deps.terminal) });
}

export function formatKeyNew(result: KeyNewResult): string {
  return `created ${result.file} for ${result.address}; use it with --keystore ${result.file} and ${KEYSTORE_PASSPHRASE_ENV}`;
}
