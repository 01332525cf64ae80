import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { encryptKeystore } from "./loadAccount.ts";

export type CreateKeystoreFileParameters = {
  file: string;
  /** Asked only once `file` is known to be free, so nobody types a passphrase for nothing. */
  passphrase: () => string | Promise<string>;
  /** scrypt cost (default 2^18, as geth and ethers write). */
  scryptN?: number;
};

const notOverwritten = (file: string) => new FedLedgerError("KEY_ERROR", `${file} exists; a key file is never overwritten`);

/**
 * Creates a random key and writes it, encrypted with the passphrase, as Web3 Secret
 * Storage v3 JSON (scrypt, AES-128-CTR: what `--keystore` and ethers read) to a new file
 * that only its owner can read. Never replaces an existing file. Throws KEY_ERROR.
 */
export async function createKeystoreFile(p: CreateKeystoreFileParameters): Promise<{ address: Address; file: string }> {
  if (existsSync(p.file)) throw notOverwritten(p.file);
  const passphrase = await p.passphrase();
  if (passphrase.length === 0) throw new FedLedgerError("KEY_ERROR", "A keystore needs a non-empty passphrase");
  const privateKey = generatePrivateKey();
  const json = await encryptKeystore(privateKey, passphrase, p.scryptN === undefined ? {} : { scryptN: p.scryptN });
  try {
    // "wx": a file created meanwhile is not replaced either.
    await writeFile(p.file, `${json}\n`, { flag: "wx", mode: 0o600 });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "EEXIST") throw notOverwritten(p.file);
    throw new FedLedgerError("KEY_ERROR", `Cannot write the key file ${p.file}`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  return { address: privateKeyToAccount(privateKey).address, file: p.file };
}
