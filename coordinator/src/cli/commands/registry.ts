import type { Address, Hex } from "viem";
import type { LedgerTarget } from "../operatorContext.ts";
import { sendLedgerTransaction } from "./ledgerTransaction.ts";

/**
 * Registers `address` with its dataset commitment, the record count it binds (bounds every
 * update's numSamples) and the SHA-256 of its consent or licence attestation (zero: none declared).
 */
export const registerParticipant = (t: LedgerTarget, address: Address, commitment: Hex, datasetSize: number, attestationDigest: Hex) =>
  sendLedgerTransaction(t, "registerParticipant", [address, commitment, datasetSize, attestationDigest]);
export const deactivateParticipant = (t: LedgerTarget, address: Address) => sendLedgerTransaction(t, "deactivateParticipant", [address]);
export const reactivateParticipant = (t: LedgerTarget, address: Address) => sendLedgerTransaction(t, "reactivateParticipant", [address]);
