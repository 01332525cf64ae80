import type { Address, Hex } from "viem";
import type { LedgerTarget } from "../operatorContext.ts";
import { sendLedgerTransaction } from "./ledgerTransaction.ts";

/** Stops every state-changing ledger call but pause management (admin role). */
export const pauseLedger = (t: LedgerTarget) => sendLedgerTransaction(t, "pause", []);
export const unpauseLedger = (t: LedgerTarget) => sendLedgerTransaction(t, "unpause", []);
/** Grants `role` (a hash: ledgerRoles.ts names them) to `account` (admin role). */
export const grantRole = (t: LedgerTarget, role: Hex, account: Address) => sendLedgerTransaction(t, "grantRole", [role, account]);
export const revokeRole = (t: LedgerTarget, role: Hex, account: Address) => sendLedgerTransaction(t, "revokeRole", [role, account]);
