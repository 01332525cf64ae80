// Shared steps of the liveness tests: registrar/admin actions on the real ledger, and
// high-s signatures.
import { type Hex, hexToBigInt, numberToHex, parseSignature, serializeSignature } from "viem";
import { contributionLedgerAbi, SECP256K1_HALF_ORDER } from "@fedledger/client-sdk";
import type { LedgerHandle } from "../fixtures/coordinatorHarness.ts";

type AdminCall =
  | { functionName: "deactivateParticipant"; args: readonly [Hex] }
  | { functionName: "setRoundBudget"; args: readonly [bigint] }
  | { functionName: "pause" | "unpause"; args?: undefined };

/** An admin or registrar transaction on the ledger, mined. */
export async function admin(ledger: LedgerHandle, call: AdminCall): Promise<void> {
  const hash = await ledger.wallet.writeContract({ address: ledger.ledger, abi: contributionLedgerAbi, ...call } as Parameters<typeof ledger.wallet.writeContract>[0]);
  const receipt = await ledger.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${call.functionName} reverted`);
}

/** The high-s twin of a signature: s' = n - s, parity flipped. ecrecover takes it; EIP-2 (and the ledger) does not. */
export function highS(signature: Hex): Hex {
  const { r, s, yParity } = parseSignature(signature);
  const order = SECP256K1_HALF_ORDER * 2n + 1n;
  return serializeSignature({ r, s: numberToHex(order - hexToBigInt(s), { size: 32 }), yParity: 1 - (yParity ?? 0) });
}
