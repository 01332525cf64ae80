import { describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { resolveAddress } from "./resolveAddress.ts";

const KEY = generatePrivateKey();
const ADDRESS = privateKeyToAccount(KEY).address;

describe("resolveAddress", () => {
  it("prefers --address, else derives the address from the key", async () => {
    expect(await resolveAddress({ address: ADDRESS.toLowerCase() }, { FEDLEDGER_PRIVATE_KEY: generatePrivateKey() })).toBe(ADDRESS);
    expect(await resolveAddress({}, { FEDLEDGER_PRIVATE_KEY: KEY })).toBe(ADDRESS);
  });

  it("refuses a bad address, no identity at all, and --address with a key option", async () => {
    await expect(resolveAddress({ address: "0xnothex" }, {})).rejects.toMatchObject({ code: "INVALID_CONFIG", shortMessage: "--address is not a valid address" });
    await expect(resolveAddress({}, {})).rejects.toMatchObject({ code: "INVALID_CONFIG", shortMessage: "No participant address" });
    await expect(resolveAddress({ address: ADDRESS, privateKeyEnv: "K" }, { K: KEY })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    await expect(resolveAddress({}, { FEDLEDGER_PRIVATE_KEY: "0xbad" })).rejects.toMatchObject({ code: "KEY_ERROR" });
  });
});
