import fc from "fast-check";
import { recover } from "tiny-secp256k1";
import { describe, expect, it } from "vitest";
import { type Address, bytesToHex, type Hex, hexToBigInt, hexToBytes, numberToHex, parseSignature, recoverAddress, serializeSignature } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { type LedgerDomainParameters, type UpdateMessage, updateDigest } from "./eip712.ts";
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

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
const arbitraryDomain = fc.record({
  chainId: fc.integer({ min: 1, max: 2 ** 31 }),
  ledger: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b) as Address),
});
const arbitraryMessage = fc.record({
  round: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  baseModelHash: bytes32,
  updateHash: bytes32,
  numSamples: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  datasetCommitment: bytes32,
});
const privateKey = fc.bigInt({ min: 1n, max: ORDER - 1n }).map((d) => numberToHex(d, { size: 32 }));

/** viem's own recovery of the same digest, the reference the wasm recovery must match; undefined where it refuses. */
async function viemSigner(domain: LedgerDomainParameters, message: UpdateMessage, signature: Hex): Promise<Address | undefined> {
  try {
    return await recoverAddress({ hash: updateDigest(domain, message), signature });
  } catch {
    return undefined;
  }
}

async function outcome(domain: LedgerDomainParameters, message: UpdateMessage, signature: Hex): Promise<{ signer?: Address; code?: string }> {
  try {
    return { signer: await recoverUpdateSigner(domain, message, signature) };
  } catch (error) {
    return { code: isFedLedgerError(error) ? error.code : "untyped" };
  }
}

describe("recoverUpdateSigner's libsecp256k1 recovery agrees with viem's", () => {
  it("recovers the signer of random messages under random keys, as viem does", async () => {
    await fc.assert(
      fc.asyncProperty(privateKey, arbitraryDomain, arbitraryMessage, async (key, domain, message) => {
        const signer = privateKeyToAccount(key);
        const signature = await signUpdate(signer, domain, message);
        const recovered = await recoverUpdateSigner(domain, message, signature);
        expect(recovered).toBe(signer.address);
        expect(recovered).toBe(await viemSigner(domain, message, signature));
      }),
      { numRuns: 200 },
    );
  });

  it("on random low-s signatures (r = 0, r >= n, s = 0 included) refuses exactly where viem does, else recovers the same address", async () => {
    const r = fc.oneof(
      fc.constantFrom(0n, 1n, ORDER - 1n, ORDER, 2n ** 256n - 1n),
      fc.bigInt({ min: 1n, max: ORDER - 1n }),
      fc.bigInt({ min: ORDER, max: 2n ** 256n - 1n }),
    );
    const s = fc.oneof(fc.constantFrom(0n, 1n, SECP256K1_HALF_ORDER), fc.bigInt({ min: 1n, max: SECP256K1_HALF_ORDER }));
    const seen = { recovered: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(arbitraryDomain, arbitraryMessage, r, s, fc.constantFrom(27, 28), async (domain, message, rValue, sValue, v) => {
        const signature = `${numberToHex(rValue, { size: 32 })}${numberToHex(sValue, { size: 32 }).slice(2)}${v.toString(16)}` as Hex;
        const expected = await viemSigner(domain, message, signature);
        const got = await outcome(domain, message, signature);
        if (expected === undefined) {
          expect(got).toEqual({ code: "INVALID_SIGNATURE" });
          seen.refused += 1;
        } else {
          expect(got).toEqual({ signer: expected });
          seen.recovered += 1;
        }
      }),
      { numRuns: 300 },
    );
    // Both branches ran: about half of the r in [1, n) are x-coordinates of curve points.
    expect(seen.recovered).toBeGreaterThan(20);
    expect(seen.refused).toBeGreaterThan(20);
  });

  it("refuses, as viem does, a signature whose recovered key would be the point at infinity", async () => {
    // With R = kG and s = e / k (mod n), s·R - e·G is the point at infinity: no key to recover.
    const e = hexToBigInt(updateDigest(domain, message)) % ORDER;
    const power = (base: bigint, exponent: bigint): bigint =>
      exponent === 0n ? 1n : (power((base * base) % ORDER, exponent / 2n) * (exponent % 2n === 1n ? base : 1n)) % ORDER;
    const k = 0x1234567890abcdefn;
    const point = privateKeyToAccount(numberToHex(k, { size: 32 })).publicKey;
    let yParity = Number(hexToBigInt(`0x${point.slice(66)}`) & 1n);
    let s = (e * power(k, ORDER - 2n)) % ORDER;
    if (s > SECP256K1_HALF_ORDER) {
      s = ORDER - s; // -k: the same x, the other y
      yParity = 1 - yParity;
    }
    const r = `0x${point.slice(4, 68)}` as Hex;
    const signature = serializeSignature({ r, s: numberToHex(s, { size: 32 }), yParity });
    const rs = hexToBytes(`${r}${numberToHex(s, { size: 32 }).slice(2)}`);
    expect(recover(hexToBytes(updateDigest(domain, message)), rs, yParity === 1 ? 1 : 0, false)).toBeNull();
    expect(await viemSigner(domain, message, signature)).toBeUndefined();
    expect(await outcome(domain, message, signature)).toEqual({ code: "INVALID_SIGNATURE" });
  });

  it("a flipped y-parity recovers another address, the one viem recovers, never the signer", async () => {
    await fc.assert(
      fc.asyncProperty(privateKey, arbitraryMessage, async (key, message) => {
        const signer = privateKeyToAccount(key);
        const signature = await signUpdate(signer, domain, message);
        const { r, s, yParity } = parseSignature(signature);
        const flipped = serializeSignature({ r, s, yParity: 1 - (yParity ?? 0) });
        const recovered = await recoverUpdateSigner(domain, message, flipped);
        expect(recovered).not.toBe(signer.address);
        expect(recovered).toBe(await viemSigner(domain, message, flipped));
      }),
      { numRuns: 50 },
    );
  });
});
