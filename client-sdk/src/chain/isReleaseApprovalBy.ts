import { type Address, type Hex, isAddressEqual, recoverTypedDataAddress } from "viem";
import { type LedgerDomainParameters, type ReleaseApprovalMessage, releaseApprovalTypedData } from "../protocol/eip712.ts";
import { parseCanonicalSignature } from "../protocol/signing.ts";
import { withChainErrors } from "./chainError.ts";
import type { LedgerReader } from "./ledgerClients.ts";

/**
 * Whether `signature` is `approver`'s EIP-712 approval of `message`, as the ledger judges
 * it: for an account, ECDSA recovery of a canonical (low s) signature; for a contract, its
 * ERC-1271 check. Read at `blockNumber` (latest when omitted). Throws CHAIN_ERROR.
 */
export async function isReleaseApprovalBy(
  reader: Pick<LedgerReader, "client">,
  domain: LedgerDomainParameters,
  message: ReleaseApprovalMessage,
  approver: Address,
  signature: Hex,
  blockNumber?: bigint,
): Promise<boolean> {
  const typedData = releaseApprovalTypedData(domain, message);
  const at = blockNumber === undefined ? {} : { blockNumber };
  const code = await withChainErrors("read an approver's code", () => reader.client.getCode({ address: approver, ...at }));
  if (code === undefined || code === "0x") {
    try {
      return isAddressEqual(await recoverTypedDataAddress({ ...typedData, signature: parseCanonicalSignature(signature) }), approver);
    } catch {
      return false;
    }
  }
  return withChainErrors("verify a contract approver's signature", () => reader.client.verifyTypedData({ ...typedData, address: approver, signature, ...at }));
}
