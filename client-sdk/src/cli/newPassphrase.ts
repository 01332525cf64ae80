import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { promptHidden, type Terminal } from "./promptHidden.ts";
import { type Environment, KEYSTORE_PASSPHRASE_ENV } from "./resolveKeySource.ts";

/**
 * The passphrase for a new keystore: FEDLEDGER_KEYSTORE_PASSPHRASE when set, else typed
 * twice on the terminal. Throws KEY_ERROR without a terminal, or when the two differ.
 */
export async function newKeystorePassphrase(env: Environment, terminal: Terminal): Promise<string> {
  const fromEnv = env[KEYSTORE_PASSPHRASE_ENV];
  if (fromEnv !== undefined) return fromEnv;
  if (!terminal.input.isTTY) {
    throw new FedLedgerError("KEY_ERROR", `No passphrase: set ${KEYSTORE_PASSPHRASE_ENV}, or run on a terminal to type it`);
  }
  const passphrase = await promptHidden("Passphrase for the new key: ", terminal);
  if ((await promptHidden("Repeat it: ", terminal)) !== passphrase) throw new FedLedgerError("KEY_ERROR", "The passphrases differ");
  return passphrase;
}
