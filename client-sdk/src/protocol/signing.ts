import { recover } from "tiny-secp256k1";
import {
  type Account,
  type Address,
  bytesToHex,
  compactSignatureToSignature,
  concatHex,
  type Hex,
  hexToBigInt,
  hexToBytes,
  pad,
  parseSignature,
  serializeSignature,
  type Signature,
  signatureToCompactSignature,
} from "viem";
import { publicKeyToAddress } from "viem/accounts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { type LedgerDomainParameters, type UpdateMessage, updateDigest, updateTypedData } from "./eip712.ts";

/** secp256k1's group order n. */
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** n / 2: the ledger (EIP-2, like OpenZeppelin's ECDSA) recovers only signatures with s at most this. */
export const SECP256K1_HALF_ORDER = SECP256K1_ORDER / 2n;

/** Signs an update message with the participant's key, through viem's EIP-712 support. */
export async function signUpdate(
  account: Account,
  domain: LedgerDomainParameters,
  message: UpdateMessage,
): Promise<Hex> {
  if (!account.signTypedData) {
    throw new FedLedgerError("KEY_ERROR", "This account cannot sign typed data");
  }
  return account.signTypedData(updateTypedData(domain, message));
}

/**
 * Parses a 65-byte signature and checks it is in the one form the ledger accepts:
 * v in {27, 28} (or a y-parity byte 0 / 1), r in [1, n) and s in [1, n/2] (EIP-2's lower
 * half). Throws INVALID_SIGNATURE saying which part is wrong.
 */
export function parseCanonicalSignature(signature: Hex): Signature {
  let parsed: Signature;
  try {
    parsed = parseSignature(signature);
  } catch (cause) {
    throw new FedLedgerError("INVALID_SIGNATURE", "Malformed signature", {
      details: "expected 65 bytes: r and s in [1, n), then v in {27, 28} or a y-parity of 0 or 1",
      cause,
    });
  }
  if (hexToBigInt(parsed.s) > SECP256K1_HALF_ORDER) {
    throw new FedLedgerError("INVALID_SIGNATURE", "The signature is not in canonical low-s form", {
      details: "s is above secp256k1n/2 (EIP-2); the ledger refuses it. Sign again: standard signers produce low s",
    });
  }
  return parsed;
}

/**
 * Recovers the address that signed `message`, in the ledger's own terms: the signature
 * must be canonical (see {@link parseCanonicalSignature}) and its EIP-2098 compact form
 * `{ r, vs }`, which `recordRound` takes, must carry the same r, s and y-parity (so it
 * recovers to the same address; checked on the values, one recovery is enough). A
 * signature this accepts is one the ledger accepts. Throws INVALID_SIGNATURE otherwise.
 */
export async function recoverUpdateSigner(
  domain: LedgerDomainParameters,
  message: UpdateMessage,
  signature: Hex,
): Promise<Address> {
  const parsed = parseCanonicalSignature(signature);
  const hash = updateDigest(domain, message);
  const back = compactSignatureToSignature(signatureToCompactSignature(parsed));
  if (hexToBigInt(back.r) !== hexToBigInt(parsed.r) || hexToBigInt(back.s) !== hexToBigInt(parsed.s) || yParity(back) !== yParity(parsed)) {
    throw new FedLedgerError("INVALID_SIGNATURE", "The signature's compact form is another signature", {
      details: "its EIP-2098 form { r, vs } does not carry the same r, s and y-parity",
    });
  }
  return recoverSigner(hash, parsed);
}

function yParity(signature: Signature): number {
  return signature.yParity ?? Number((signature.v ?? 27n) - 27n);
}

/**
 * The address whose key made `signature` over `hash`. The coordinator recovers the signer
 * of every update, so recovery runs in tiny-secp256k1 (bitcoin-core's libsecp256k1 compiled
 * to WebAssembly, loaded synchronously, no native build, works in browsers), several times
 * faster than viem's pure-JS recovery. viem still derives the address from the key.
 */
function recoverSigner(hash: Hex, signature: Signature): Address {
  const rs = hexToBytes(concatHex([pad(signature.r, { size: 32 }), pad(signature.s, { size: 32 })]));
  const recoveryId = yParity(signature) === 1 ? 1 : 0;
  let publicKey: Uint8Array | null;
  try {
    publicKey = recover(hexToBytes(hash), rs, recoveryId, false);
  } catch (cause) {
    throw noSigner(cause);
  }
  if (!publicKey) throw noSigner(undefined);
  return publicKeyToAddress(bytesToHex(publicKey));
}

function noSigner(cause: unknown): FedLedgerError {
  return new FedLedgerError("INVALID_SIGNATURE", "No signer can be recovered from the signature", {
    details: "r or s is 0 or not below n, or r is not the x-coordinate of a curve point",
    cause,
  });
}

/** EIP-2098 compact form `{ r, vs }` the ledger takes in `recordRound`. Throws INVALID_SIGNATURE for a non-canonical signature. */
export function toCompactSignature(signature: Hex): { r: Hex; vs: Hex } {
  const { r, yParityAndS } = signatureToCompactSignature(parseCanonicalSignature(signature));
  return { r, vs: yParityAndS };
}

/** Normalises any 65-byte signature to canonical `v` in {27, 28}. */
export function normalizeSignature(signature: Hex): Hex {
  return serializeSignature(parseSignature(signature));
}
