import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { encryptKeystore, loadAccount } from "./loadAccount.ts";

const LIGHT = { scryptN: 1024 }; // fast KDF for tests only

async function expectKeyError(p: Promise<unknown>, message: RegExp) {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(isFedLedgerError(error, "KEY_ERROR")).toBe(true);
  expect(String((error as Error).message)).toMatch(message);
}

describe("loadAccount", () => {
  const privateKey = generatePrivateKey();
  const address = privateKeyToAccount(privateKey).address;

  it("from a private key", async () => {
    expect((await loadAccount({ kind: "privateKey", privateKey })).address).toBe(address);
  });

  it("from a mnemonic (BIP-44 path m/44'/60'/0'/0/i)", async () => {
    const mnemonic = "test test test test test test test test test test test junk";
    expect((await loadAccount({ kind: "mnemonic", mnemonic })).address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect((await loadAccount({ kind: "mnemonic", mnemonic, addressIndex: 1 })).address).toBe("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  });

  it("from an encrypted keystore, inline or from a file", async () => {
    const keystore = await encryptKeystore(privateKey, "correct horse", LIGHT);
    expect((await loadAccount({ kind: "keystore", keystore, passphrase: "correct horse" })).address).toBe(address);
    const file = join(mkdtempSync(join(tmpdir(), "fedledger-key-")), "key.json");
    writeFileSync(file, keystore);
    expect((await loadAccount({ kind: "keystore", keystore: file, passphrase: "correct horse" })).address).toBe(address);
  });

  it("a wrong passphrase fails with a clear KEY_ERROR that leaks nothing", async () => {
    const keystore = await encryptKeystore(privateKey, "correct horse", LIGHT);
    const error = await loadAccount({ kind: "keystore", keystore, passphrase: "battery staple" }).catch((e: unknown) => e);
    expect(isFedLedgerError(error, "KEY_ERROR")).toBe(true);
    expect((error as Error).message).toMatch(/wrong keystore passphrase/i);
    expect((error as Error).message).not.toContain(privateKey.slice(2));
  });

  it("bad inputs fail with KEY_ERROR", async () => {
    await expectKeyError(loadAccount({ kind: "privateKey", privateKey: "0x1234" }), /32 bytes/);
    await expectKeyError(loadAccount({ kind: "privateKey", privateKey: `0x${"0".repeat(64)}` }), /invalid private key/i);
    await expectKeyError(loadAccount({ kind: "mnemonic", mnemonic: "not a real mnemonic" }), /invalid mnemonic/i);
    await expectKeyError(loadAccount({ kind: "keystore", keystore: "{not json", passphrase: "x" }), /not valid JSON/);
    await expectKeyError(loadAccount({ kind: "keystore", keystore: '{"version": 1}', passphrase: "x" }), /version 3/);
    await expectKeyError(loadAccount({ kind: "keystore", keystore: "/nonexistent/key.json", passphrase: "x" }), /cannot read/i);
  });
});
