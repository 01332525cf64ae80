import { describe, expect, it } from "vitest";
import { type Hex, hexToBigInt, numberToHex, parseSignature, serializeSignature } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { recoverUpdateSigner, SECP256K1_HALF_ORDER, signUpdate, toCompactSignature } from "./signing.ts";

const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const domain = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" } as const;
const message = {
  round: 1n,
  baseModelHash: `0x${"11".repeat(32)}`,
  updateHash: `0x${"22".repeat(32)}`,
  numSamples: 5n,
  datasetCommitment: `0x${"33".repeat(32)}`,
} as const;
const ORDER = SECP256K1_HALF_ORDER * 2n + 1n;

/** The other valid ECDSA signature of the same digest: s' = n - s, parity flipped (EIP-2 forbids it). */
function highS(signature: Hex): Hex {
  const { r, s, yParity } = parseSignature(signature);
  return serializeSignature({ r, s: numberToHex(ORDER - hexToBigInt(s), { size: 32 }), yParity: 1 - (yParity ?? 0) });
}

async function refusal(signature: Hex): Promise<string | undefined> {
  try {
    await recoverUpdateSigner(domain, message, signature);
    return undefined;
  } catch (error) {
    return isFedLedgerError(error) ? error.code : "untyped";
  }
}

describe("recoverUpdateSigner checks signatures in the ledger's terms", () => {
  it("recovers an honest signature, with v as 27/28 or as a y-parity byte", async () => {
    const signature = await signUpdate(account, domain, message);
    expect(await recoverUpdateSigner(domain, message, signature)).toBe(account.address);
    const { yParity } = parseSignature(signature);
    const parityByte = `${signature.slice(0, 130)}${yParity === 1 ? "01" : "00"}` as Hex;
    expect(await recoverUpdateSigner(domain, message, parityByte)).toBe(account.address);
  });

  it("the SECP256K1_HALF_ORDER constant is n / 2 as OpenZeppelin's ECDSA writes it", () => {
    expect(numberToHex(SECP256K1_HALF_ORDER)).toBe("0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");
  });

  it("refuses the high-s twin of a valid signature, though plain ecrecover accepts it", async () => {
    const twin = highS(await signUpdate(account, domain, message));
    expect(hexToBigInt(parseSignature(twin).s) > SECP256K1_HALF_ORDER).toBe(true);
    expect(await refusal(twin)).toBe("INVALID_SIGNATURE");
    expect(() => toCompactSignature(twin)).toThrow(/low-s/);
  });

  it("refuses a v other than 27/28/0/1, r = 0, s >= n and an r off the curve", async () => {
    const signature = await signUpdate(account, domain, message);
    expect(await refusal(`${signature.slice(0, 130)}1d` as Hex)).toBe("INVALID_SIGNATURE");
    expect(await refusal(`0x${"00".repeat(32)}${signature.slice(66)}` as Hex)).toBe("INVALID_SIGNATURE");
    expect(await refusal(`${signature.slice(0, 66)}${"ff".repeat(32)}${signature.slice(130)}` as Hex)).toBe("INVALID_SIGNATURE");
    expect(await refusal(`0x${"ff".repeat(31)}fe${signature.slice(66)}` as Hex)).toBe("INVALID_SIGNATURE");
  });

  it("a canonical signature's compact form is what the ledger takes: r, then s with the parity in the top bit", async () => {
    const signature = await signUpdate(account, domain, message);
    const { r, s, yParity } = parseSignature(signature);
    const { r: compactR, vs } = toCompactSignature(signature);
    expect(compactR).toBe(r);
    expect(hexToBigInt(vs)).toBe(hexToBigInt(s) | (BigInt(yParity ?? 0) << 255n));
  });
});
