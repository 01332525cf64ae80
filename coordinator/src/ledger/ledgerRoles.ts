import { type Hex, keccak256, toBytes, zeroHash } from "viem";
import { contributionLedgerAbi, FedLedgerError } from "@fedledger/client-sdk";

/**
 * The ledger's access-control roles by the names operators type: every `X_ROLE` constant
 * the contract's ABI declares, as `x` (DEFAULT_ADMIN_ROLE is `admin`). Hashes follow
 * OpenZeppelin's AccessControl: keccak256 of the constant's name, zero for the admin role.
 */
export const LEDGER_ROLES: ReadonlyMap<string, Hex> = new Map(
  contributionLedgerAbi
    .filter((item) => item.type === "function" && item.name.endsWith("_ROLE") && item.inputs.length === 0)
    .map((item) => {
      const constant = (item as { name: string }).name;
      return constant === "DEFAULT_ADMIN_ROLE" ? ["admin", zeroHash] : [constant.slice(0, -"_ROLE".length).toLowerCase(), keccak256(toBytes(constant))];
    }),
);

/** The hash of the role named `name` (case-insensitive); INVALID_CONFIG naming the roles otherwise. */
export function roleByName(name: string): Hex {
  const hash = LEDGER_ROLES.get(name.toLowerCase());
  if (!hash) throw new FedLedgerError("INVALID_CONFIG", `Unknown role ${JSON.stringify(name)}: the ledger's roles are ${[...LEDGER_ROLES.keys()].join(", ")}`);
  return hash;
}

/** A role hash as people read it (`COORDINATOR`); an unknown hash stays as it is. */
export function roleName(hash: unknown): string {
  for (const [name, value] of LEDGER_ROLES) if (typeof hash === "string" && value === hash.toLowerCase()) return name.toUpperCase();
  return String(hash);
}
