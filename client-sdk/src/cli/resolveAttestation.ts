import { type Hex, zeroHash } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { hashFile } from "./hashFile.ts";

/** `--attestation FILE` or `--attestation-digest 0x…`: at most one. */
export type AttestationOptions = { attestation?: string; attestationDigest?: string };

/**
 * The attestation digest to register next to a dataset commitment: the SHA-256 of the
 * consent or licence document (`--attestation FILE`: hashed here, never sent), or a digest
 * computed elsewhere (`--attestation-digest`). The zero hash when neither is given: no
 * attestation declared. Throws INVALID_CONFIG for both, a malformed or zero digest, or an
 * unreadable file.
 */
export async function resolveAttestation(options: AttestationOptions): Promise<Hex> {
  if (options.attestation !== undefined && options.attestationDigest !== undefined) {
    throw new FedLedgerError("INVALID_CONFIG", "Give --attestation FILE or --attestation-digest 0x…, not both");
  }
  if (options.attestation !== undefined) return (await hashFile(options.attestation, "attestation")).hash;
  if (options.attestationDigest === undefined) return zeroHash;
  const digest = options.attestationDigest.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(digest) || BigInt(digest) === 0n) {
    throw new FedLedgerError("INVALID_CONFIG", "--attestation-digest must be a non-zero SHA-256 digest: 0x and 64 hex digits", {
      details: `got ${JSON.stringify(digest.slice(0, 80))}`,
    });
  }
  return digest.toLowerCase() as Hex;
}

/** An attestation digest for people: "none declared" for the zero hash. */
export function describeAttestation(digest: Hex): string {
  return BigInt(digest) === 0n ? "none declared" : digest;
}
