import type { Address, Hex } from "viem";
import type { LedgerTarget } from "../operatorContext.ts";
import { sendLedgerTransaction } from "./ledgerTransaction.ts";

/** Registers `address` with its dataset commitment and the record count it binds (bounds every update's numSamples). */
export const registerParticipant = (t: LedgerTarget, address: Address, commitment: Hex, datasetSize: number) =>
  sendLedgerTransaction(t, "registerParticipant", [address, commitment, datasetSize]);
export const deactivateParticipant = (t: LedgerTarget, address: Address) => sendLedgerTransaction(t, "deactivateParticipant", [address]);
export const reactivateParticipant = (t: LedgerTarget, address: Address) => sendLedgerTransaction(t, "reactivateParticipant", [address]);
