import { type Address, bytesToHex, getAddress, type Hex, hexToBytes, isAddressEqual, recoverAddress, recoverMessageAddress } from "viem";
import { z } from "zod";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { contentHashSync } from "../protocol/hashing/contentHash.ts";
import { addressSchema } from "../protocol/messages.ts";
import { canonicalJsonBytes } from "./canonicalJson.ts";
import { decodeRoundStatement, type RoundStatement, roundStatementDigest } from "./roundStatement.ts";

/**
 * DSSE (Dead Simple Signing Envelope) around a round statement, as in-toto attestations
 * carry it: `{payloadType, payload: base64(statement bytes), signatures: [{keyid, sig}]}`.
 * The coordinator signs SHA-256(PAE(payloadType, payload)) with its secp256k1 key; `sig` is
 * the 65-byte signature (r, s, v) in base64 and `keyid` the coordinator's address, which a
 * verifier recovers from the signature.
 *
 * A local key signs that hash itself. A key the node holds (a JSON-RPC account) cannot sign
 * a bare hash, so it signs the hash as an EIP-191 personal message (`personal_sign`); a
 * verifier accepts either form from the key the envelope names. Both commit to the same hash.
 */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

const base64Schema = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "expected base64").refine((s) => s.length % 4 === 0, "expected base64");

export const dsseEnvelopeSchema = z.strictObject({
  payloadType: z.string().min(1),
  payload: base64Schema,
  signatures: z.array(z.strictObject({ keyid: addressSchema, sig: base64Schema })).min(1).max(16),
});
export type DsseEnvelope = z.output<typeof dsseEnvelopeSchema>;

/**
 * Signs a 32-byte hash: a 65-byte secp256k1 signature over the hash itself (a viem local
 * account's `sign`) or over the hash as an EIP-191 personal message (`signMessage({message: {raw: hash}})`).
 */
export type HashSigner = { readonly address: Address; sign(parameters: { hash: Hex }): Promise<Hex> };

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, "base64"));

/** DSSE's pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes, decimal. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = new TextEncoder().encode(payloadType);
  const head = new TextEncoder().encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/** The hash the envelope's signatures sign: SHA-256 of the PAE. */
export function envelopeSigningHash(payloadType: string, payload: Uint8Array): Hex {
  return contentHashSync(preAuthEncoding(payloadType, payload));
}

/** The statement's envelope, signed by `signer`. */
export async function signStatementEnvelope(statementBytes: Uint8Array, signer: HashSigner): Promise<DsseEnvelope> {
  const signature = await signer.sign({ hash: envelopeSigningHash(IN_TOTO_PAYLOAD_TYPE, statementBytes) });
  const sig = hexToBytes(signature);
  if (sig.length !== 65) throw new FedLedgerError("KEY_ERROR", "The coordinator's signer did not return a 65-byte secp256k1 signature", { details: `${sig.length} bytes` });
  return { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: toBase64(statementBytes), signatures: [{ keyid: getAddress(signer.address), sig: toBase64(sig) }] };
}

/** The bytes an envelope is stored as: its canonical JSON. */
export function encodeEnvelope(envelope: DsseEnvelope): Uint8Array {
  return canonicalJsonBytes(envelope);
}

/** An envelope read from stored bytes. Throws DECODE_ERROR for anything else. */
export function decodeEnvelope(bytes: Uint8Array): DsseEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new FedLedgerError("DECODE_ERROR", "A statement envelope is not UTF-8 JSON", { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  const parsed = dsseEnvelopeSchema.safeParse(value);
  if (!parsed.success) throw new FedLedgerError("DECODE_ERROR", "Not a DSSE envelope", { details: z.prettifyError(parsed.error) });
  return parsed.data;
}

export type VerifiedEnvelope = {
  /** The address the signature recovers to (and the envelope names as keyid). */
  readonly signer: Address;
  readonly statement: RoundStatement;
  /** SHA-256 of the payload bytes: what the ledger records. */
  readonly statementDigest: Hex;
};

/**
 * Checks an envelope: an in-toto payload type, one signature that recovers to the address
 * it names as its keyid (`expectedSigner` too, when given), and a payload that is a round
 * statement in canonical JSON. Throws INVALID_SIGNATURE when the signature does not hold
 * (a changed payload, another key), DECODE_ERROR when the payload is not a statement.
 */
export async function verifyStatementEnvelope(envelope: DsseEnvelope, expectedSigner?: Address): Promise<VerifiedEnvelope> {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new FedLedgerError("DECODE_ERROR", "The envelope does not carry an in-toto statement", { details: `payloadType ${JSON.stringify(envelope.payloadType.slice(0, 80))}` });
  }
  if (envelope.signatures.length !== 1) throw new FedLedgerError("INVALID_SIGNATURE", "A statement envelope carries exactly one signature, the coordinator's", { details: `${envelope.signatures.length} signatures` });
  const [{ keyid, sig }] = envelope.signatures as [DsseEnvelope["signatures"][number]];
  const payload = fromBase64(envelope.payload);
  const signature = fromBase64(sig);
  if (signature.length !== 65) throw new FedLedgerError("INVALID_SIGNATURE", "The envelope's signature is not 65 bytes", { details: `${signature.length} bytes` });
  const hash = envelopeSigningHash(envelope.payloadType, payload);
  let signer: Address;
  try {
    signer = await recoverAddress({ hash, signature: bytesToHex(signature) });
    if (!isAddressEqual(signer, keyid)) signer = await recoverMessageAddress({ message: { raw: hash }, signature: bytesToHex(signature) });
  } catch (cause) {
    throw new FedLedgerError("INVALID_SIGNATURE", "The envelope's signature does not recover to an address", { cause });
  }
  if (!isAddressEqual(signer, keyid)) {
    throw new FedLedgerError("INVALID_SIGNATURE", "The envelope's signature is not by the key it names: the payload or the signature was changed", { details: `keyid ${keyid}, recovered ${signer}` });
  }
  if (expectedSigner !== undefined && !isAddressEqual(signer, expectedSigner)) {
    throw new FedLedgerError("INVALID_SIGNATURE", "The statement is signed by another key than expected", { details: `signed by ${signer}, expected ${expectedSigner}` });
  }
  return { signer, statement: decodeRoundStatement(payload), statementDigest: roundStatementDigest(payload) };
}
