import {
  type Account,
  type Address,
  type Hex,
  parseSignature,
  recoverTypedDataAddress,
  serializeSignature,
  signatureToCompactSignature,
} from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { type LedgerDomainParameters, type UpdateMessage, updateTypedData } from "./eip712.ts";

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

/** Recovers the address that signed `message`; throws INVALID_SIGNATURE on a malformed signature. */
export async function recoverUpdateSigner(
  domain: LedgerDomainParameters,
  message: UpdateMessage,
  signature: Hex,
): Promise<Address> {
  try {
    return await recoverTypedDataAddress({ ...updateTypedData(domain, message), signature });
  } catch (cause) {
    throw new FedLedgerError("INVALID_SIGNATURE", "Malformed signature", { cause });
  }
}

/** EIP-2098 compact form `{ r, vs }` the ledger takes in `recordRound`. */
export function toCompactSignature(signature: Hex): { r: Hex; vs: Hex } {
  const { r, yParityAndS } = signatureToCompactSignature(parseSignature(signature));
  return { r, vs: yParityAndS };
}

/** Normalises any 65-byte signature to canonical `v` in {27, 28}. */
export function normalizeSignature(signature: Hex): Hex {
  return serializeSignature(parseSignature(signature));
}
