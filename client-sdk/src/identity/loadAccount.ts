import { readFile } from "node:fs/promises";
import { Wallet } from "@ethereumjs/wallet";
import { bytesToHex, type Hex, isHex } from "viem";
import { mnemonicToAccount, privateKeyToAccount, type LocalAccount } from "viem/accounts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";

/** Where a participant's signing key comes from. */
export type KeySource =
  | { kind: "privateKey"; privateKey: Hex }
  | { kind: "mnemonic"; mnemonic: string; addressIndex?: number }
  /** Web3 Secret Storage (v3) JSON, given inline or as a file path. */
  | { kind: "keystore"; keystore: string; passphrase: string };

/**
 * Loads a signing account. Errors carry code KEY_ERROR and never include key material.
 * Keystores are decrypted with @ethereumjs/wallet (scrypt or pbkdf2, AES-128-CTR,
 * MAC checked), since viem reads private keys and mnemonics but not keystores.
 */
export async function loadAccount(source: KeySource): Promise<LocalAccount> {
  const privateKey = await loadPrivateKey(source);
  try {
    return privateKeyToAccount(privateKey);
  } catch {
    throw new FedLedgerError("KEY_ERROR", "Invalid private key");
  }
}

/**
 * The raw private key of a key source, for signers other than viem (Hardhat's deploy
 * takes the key itself). Same checks and errors as loadAccount.
 */
export async function loadPrivateKey(source: KeySource): Promise<Hex> {
  switch (source.kind) {
    case "privateKey":
      if (!isHex(source.privateKey) || source.privateKey.length !== 66) {
        throw new FedLedgerError("KEY_ERROR", "A private key must be 32 bytes of 0x-prefixed hex");
      }
      return source.privateKey;
    case "mnemonic":
      try {
        const key = mnemonicToAccount(source.mnemonic.trim(), { addressIndex: source.addressIndex ?? 0 }).getHdKey().privateKey;
        if (key) return bytesToHex(key);
      } catch {
        // an invalid mnemonic, reported below
      }
      throw new FedLedgerError("KEY_ERROR", "Invalid mnemonic");
    case "keystore":
      return decryptKeystore(source.keystore, source.passphrase);
  }
}

async function readKeystore(keystore: string): Promise<string> {
  if (keystore.trimStart().startsWith("{")) return keystore;
  try {
    return await readFile(keystore, "utf8");
  } catch (cause) {
    throw new FedLedgerError("KEY_ERROR", "Cannot read the keystore file", { details: keystore, cause });
  }
}

async function decryptKeystore(keystore: string, passphrase: string): Promise<Hex> {
  const json = await readKeystore(keystore);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new FedLedgerError("KEY_ERROR", "The keystore is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || (parsed as { version?: unknown }).version !== 3) {
    throw new FedLedgerError("KEY_ERROR", "Unsupported keystore: expected Web3 Secret Storage version 3");
  }
  try {
    const wallet = await Wallet.fromV3(json, passphrase, true);
    return bytesToHex(wallet.getPrivateKey());
  } catch (cause) {
    const wrongPassphrase = cause instanceof Error && /passphrase|password|mac/i.test(cause.message);
    throw new FedLedgerError(
      "KEY_ERROR",
      wrongPassphrase ? "Wrong keystore passphrase" : "The keystore cannot be decrypted",
    );
  }
}

/** Encrypts a private key as Web3 Secret Storage v3 JSON (scrypt). */
export async function encryptKeystore(
  privateKey: Hex,
  passphrase: string,
  options: { scryptN?: number } = {},
): Promise<string> {
  const wallet = Wallet.fromPrivateKey(Uint8Array.from(Buffer.from(privateKey.slice(2), "hex")));
  return wallet.toV3String(passphrase, { kdf: "scrypt", n: options.scryptN ?? 262_144 });
}
