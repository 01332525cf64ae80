import { type Address, type Hex, isAddressEqual } from "viem";
import { withChainErrors } from "../chain/chainError.ts";
import type { LedgerReader } from "../chain/ledgerClients.ts";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import type { SignerAuthority } from "./verifyRoundStatement.ts";

/**
 * Whether `signer` could sign for the ledger's coordinator when round `at` was recorded.
 *
 * First, whether it sent the round's record itself: `recordRound` requires its sender to
 * hold COORDINATOR_ROLE, so that proves the role at that very block. Otherwise (another
 * key signs the statements than sends the records), whether it held COORDINATOR_ROLE at
 * the record's block; a node that keeps no state that old is asked about the latest block,
 * and the basis says so. Throws CHAIN_ERROR when the chain cannot be read.
 */
export async function coordinatorAuthority(reader: LedgerReader, at: { transactionHash: Hex; blockNumber: bigint }, signer: Address): Promise<SignerAuthority> {
  const transaction = await withChainErrors("read a round's record transaction", () => reader.client.getTransaction({ hash: at.transactionHash }));
  if (isAddressEqual(transaction.from, signer)) {
    return { ok: true, basis: "the account that sent the round's record, which the ledger requires to hold COORDINATOR_ROLE" };
  }
  const role = await withChainErrors("read COORDINATOR_ROLE", () => reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "COORDINATOR_ROLE" }));
  const hasRole = (blockNumber?: bigint) =>
    reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "hasRole", args: [role, signer], ...(blockNumber === undefined ? {} : { blockNumber }) });
  let held: boolean;
  let when: string;
  try {
    held = await hasRole(at.blockNumber);
    when = `at block ${at.blockNumber}, when the round was recorded`;
  } catch {
    held = await withChainErrors("read hasRole", () => hasRole());
    when = `at the latest block (the node keeps no state of block ${at.blockNumber})`;
  }
  if (held) return { ok: true, basis: `an account holding COORDINATOR_ROLE ${when}` };
  return { ok: false, message: `the statement is signed by ${signer}, which did not send the round's record (${transaction.from}) and lacks COORDINATOR_ROLE ${when}` };
}
