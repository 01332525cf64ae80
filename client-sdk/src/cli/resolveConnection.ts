import type { Address } from "viem";
import { parseAddress } from "../chain/ledgerClients.ts";
import type { BlockRange } from "../chain/blockRange.ts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import type { Environment } from "./resolveKeySource.ts";

export const RPC_URL_ENV = "FEDLEDGER_RPC_URL";
export const LEDGER_ENV = "FEDLEDGER_LEDGER";

export type ConnectionOptions = {
  rpcUrl?: string;
  ledger?: string;
  fromBlock?: string;
  maxBlockRange?: string;
};

export type Connection = { readonly rpcUrl: string; readonly ledger: Address; readonly range: BlockRange };

function parseBlockCount(value: string, option: string, minimum: bigint): bigint {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed) || BigInt(trimmed) < minimum) {
    throw new FedLedgerError("INVALID_CONFIG", `${option} must be a whole number${minimum > 0n ? ` of at least ${minimum}` : ""}`, {
      details: `got ${JSON.stringify(trimmed.slice(0, 40))}`,
    });
  }
  return BigInt(trimmed);
}

/**
 * The RPC URL and ledger address from `--rpc-url` / `--ledger`, falling back to
 * FEDLEDGER_RPC_URL / FEDLEDGER_LEDGER, and the event scan range from `--from-block` /
 * `--max-block-range`. Throws INVALID_CONFIG when one is missing or malformed.
 */
export function resolveConnection(options: ConnectionOptions, env: Environment): Connection {
  const rpcUrl = (options.rpcUrl ?? env[RPC_URL_ENV])?.trim();
  if (!rpcUrl) throw new FedLedgerError("INVALID_CONFIG", `No RPC URL: pass --rpc-url or set ${RPC_URL_ENV}`);
  const ledgerText = (options.ledger ?? env[LEDGER_ENV])?.trim();
  if (!ledgerText) throw new FedLedgerError("INVALID_CONFIG", `No ledger address: pass --ledger or set ${LEDGER_ENV}`);
  const ledger = parseAddress(ledgerText, "The ledger address");
  const range: BlockRange = {};
  if (options.fromBlock !== undefined) range.fromBlock = parseBlockCount(options.fromBlock, "--from-block", 0n);
  if (options.maxBlockRange !== undefined) range.maxBlockRange = parseBlockCount(options.maxBlockRange, "--max-block-range", 1n);
  return { rpcUrl, ledger, range };
}
