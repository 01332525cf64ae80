import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { encryptKeystore } from "../identity/loadAccount.ts";
import { resolveAccount, resolveKeySource } from "./resolveKeySource.ts";

const KEY = generatePrivateKey();
const MNEMONIC = "test test test test test test test test test test test junk";

describe("resolveKeySource / resolveAccount", () => {
  it("takes the private key from FEDLEDGER_PRIVATE_KEY or a named variable, with or without 0x", async () => {
    const expected = privateKeyToAccount(KEY).address;
    expect((await resolveAccount({}, { FEDLEDGER_PRIVATE_KEY: KEY })).address).toBe(expected);
    expect((await resolveAccount({ privateKeyEnv: "MY_KEY" }, { MY_KEY: ` ${KEY.slice(2)}\n` })).address).toBe(expected);
    expect(resolveKeySource({}, {}, false)).toBeUndefined();
    expect(resolveKeySource({}, { FEDLEDGER_PRIVATE_KEY: "" }, false)).toBeUndefined();
  });

  it("takes a mnemonic from a named variable, with an address index", async () => {
    const first = await resolveAccount({ mnemonicEnv: "WORDS" }, { WORDS: MNEMONIC });
    const second = await resolveAccount({ mnemonicEnv: "WORDS", mnemonicIndex: 1 }, { WORDS: MNEMONIC });
    expect(first.address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(second.address).toBe("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  });

  it("decrypts a keystore with the passphrase from the environment, and says when it is wrong", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fedledger-key-"));
    const path = join(dir, "key.json");
    await writeFile(path, await encryptKeystore(KEY, "correct horse", { scryptN: 1024 }));
    const account = await resolveAccount({ keystore: path }, { FEDLEDGER_KEYSTORE_PASSPHRASE: "correct horse" });
    expect(account.address).toBe(privateKeyToAccount(KEY).address);
    await expect(resolveAccount({ keystore: path }, { FEDLEDGER_KEYSTORE_PASSPHRASE: "wrong" })).rejects.toMatchObject({
      code: "KEY_ERROR",
      shortMessage: "Wrong keystore passphrase",
    });
    await expect(resolveAccount({ keystore: path }, {})).rejects.toMatchObject({ code: "KEY_ERROR" });
    await expect(resolveAccount({ keystore: join(dir, "missing.json") }, { FEDLEDGER_KEYSTORE_PASSPHRASE: "x" })).rejects.toMatchObject({ code: "KEY_ERROR" });
  });

  it("refuses missing, malformed and conflicting key sources without echoing keys", async () => {
    await expect(resolveAccount({}, {})).rejects.toMatchObject({ code: "KEY_ERROR", shortMessage: "No signing key" });
    await expect(resolveAccount({ privateKeyEnv: "NOPE" }, {})).rejects.toMatchObject({ code: "KEY_ERROR" });
    await expect(resolveAccount({ mnemonicEnv: "NOPE" }, {})).rejects.toMatchObject({ code: "KEY_ERROR" });
    const secret = "0x1234";
    const error = await resolveAccount({}, { FEDLEDGER_PRIVATE_KEY: secret }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "KEY_ERROR" });
    expect((error as Error).message).not.toContain(secret);
    expect(() => resolveKeySource({ keystore: "k.json", mnemonicEnv: "W" }, {}, true)).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    expect(() => resolveKeySource({ privateKeyEnv: "A", mnemonicEnv: "W" }, {}, true)).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    expect(() => resolveKeySource({ mnemonicIndex: 2 }, {}, true)).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
  });
});
