import type { Address } from "viem";
import { readAuditBundle } from "../../audit/auditBundle.ts";
import type { BlockRange } from "../../chain/blockRange.ts";
import { checkLedgerEndpoint } from "../../chain/checkLedgerEndpoint.ts";
import { bundleRoundDetails } from "../../dashboard/bundleRoundDetails.ts";
import { createDashboardHandler } from "../../dashboard/createDashboardHandler.ts";
import { readDashboardData } from "../../dashboard/readDashboardData.ts";
import type { RoundDetailsSource } from "../../dashboard/roundDetails.ts";
import { type DashboardServer, startDashboardServer } from "../../dashboard/startDashboardServer.ts";
import { FedLedgerError } from "../../errors/FedLedgerError.ts";
import type { ChainDependencies } from "./status.ts";

export type DashboardOptions = {
  /** The RPC URL the reader uses, for messages (never printed with its path or query). */
  rpcUrl: string;
  host: string;
  port: number;
  /** An audit bundle whose per-round metrics the page shows beside the chain's data. */
  bundle?: string;
  range?: BlockRange;
};

export type DashboardResult = {
  readonly url: string;
  readonly ledger: Address;
  readonly chainId: number;
  readonly rounds: number;
  /** Where accuracy and loss come from; null when only the chain is read. */
  readonly details: string | null;
};

/** A `--port` value: 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value.trim()) || Number(value) > 65_535) {
    throw new FedLedgerError("INVALID_CONFIG", "--port must be a whole number from 0 to 65535", { details: `got ${JSON.stringify(value.slice(0, 40))}` });
  }
  return Number(value);
}

/**
 * `fedledger dashboard`: checks the chain answers and the ledger has code, reads the
 * dashboard's data once (so a wrong ledger fails here, not in the browser), then serves the
 * page until the server is closed. With a bundle, it must be the same ledger's.
 *
 * Throws CHAIN_ERROR (the RPC cannot be reached, or the ledger cannot be read),
 * INVALID_CONFIG (no contract at the address, a bundle of another ledger, a port in use),
 * and DECODE_ERROR for a file that is not an audit bundle.
 */
export async function dashboardCommand(options: DashboardOptions, dependencies: ChainDependencies): Promise<{ result: DashboardResult; server: DashboardServer }> {
  const { reader } = dependencies;
  const chainId = await checkLedgerEndpoint(reader, { rpcUrl: options.rpcUrl, rpcOption: "--rpc-url", ledgerOption: "--ledger" });
  let details: RoundDetailsSource | undefined;
  if (options.bundle !== undefined) {
    const bundle = await readAuditBundle(options.bundle);
    if (bundle.chainId !== chainId || bundle.ledger.toLowerCase() !== reader.ledger.toLowerCase()) {
      throw new FedLedgerError("INVALID_CONFIG", "The bundle was exported from another ledger", {
        details: `bundle: ledger ${bundle.ledger} on chain ${bundle.chainId}; asked: ${reader.ledger} on chain ${chainId}`,
      });
    }
    details = bundleRoundDetails(bundle);
  }
  const load = () => readDashboardData(reader, { ...(options.range === undefined ? {} : { range: options.range }), ...(details === undefined ? {} : { details }) });
  const first = await load();
  const server = await startDashboardServer(createDashboardHandler({ load }), { host: options.host, port: options.port });
  return { result: { url: server.url, ledger: reader.ledger, chainId, rounds: first.rounds.length, details: details?.description ?? null }, server };
}

export function formatDashboard(result: DashboardResult): string {
  const source = result.details === null ? "accuracy, loss and refusals are off-chain: pass --bundle FILE for them" : `accuracy, loss and refusals from the ${result.details}`;
  return `Dashboard of ledger ${result.ledger} (chain ${result.chainId}, ${result.rounds} round(s) recorded; ${source})\n${result.url}\nCtrl-C stops it.`;
}
