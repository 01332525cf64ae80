import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  isAddress,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { LocalAccount } from "viem/accounts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { withChainErrors } from "./chainError.ts";

/** Where the ledger lives: an RPC URL (http or https), or any viem transport (tests, custom RPC). */
export type LedgerEndpoint = { rpcUrl: string; transport?: never } | { transport: Transport; rpcUrl?: never };

export type CreateLedgerReaderParameters = LedgerEndpoint & {
  /** Address of the ContributionLedger contract. */
  ledger: string;
  /** Per-request timeout for `rpcUrl`, in milliseconds (default 30 000). */
  timeoutMs?: number;
  /** Retries of a failed HTTP request for `rpcUrl` (default 2). */
  retryCount?: number;
};

/** A read-only view of one ContributionLedger: a viem PublicClient and the ledger's address. */
export type LedgerReader = {
  readonly client: PublicClient;
  readonly transport: Transport;
  readonly ledger: Address;
};

/** A client that sends transactions to the ledger, signed locally by `account`. */
export type LedgerWallet = {
  readonly client: WalletClient<Transport, Chain, LocalAccount>;
  readonly account: LocalAccount;
};

/**
 * Checks an address given by a user (checksummed or all one case) and returns it
 * checksummed. Throws INVALID_CONFIG naming `what` otherwise.
 */
export function parseAddress(value: string, what: string): Address {
  const trimmed = value.trim();
  if (!isAddress(trimmed)) {
    throw new FedLedgerError("INVALID_CONFIG", `${what} is not a valid address`, {
      details: `got ${JSON.stringify(trimmed.slice(0, 60))} (expected 0x and 40 hex digits, with a valid checksum if mixed case)`,
    });
  }
  return getAddress(trimmed);
}

/** The RPC URL without credentials, path or query (API keys often live there), for messages. */
export function describeRpcUrl(rpcUrl: string): string {
  try {
    const url = new URL(rpcUrl);
    return `${url.protocol}//${url.host}`;
  } catch {
    return "(unparseable URL)";
  }
}

function httpTransport(rpcUrl: string, timeoutMs: number, retryCount: number): Transport {
  let url: URL;
  try {
    url = new URL(rpcUrl);
  } catch {
    throw new FedLedgerError("INVALID_CONFIG", "The RPC URL is not a valid URL", { details: "expected http:// or https://" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new FedLedgerError("INVALID_CONFIG", "The RPC URL must use http or https", { details: `got ${url.protocol}` });
  }
  return http(rpcUrl, { timeout: timeoutMs, retryCount });
}

/**
 * A reader for the ledger at `ledger`, over `rpcUrl` or a given viem `transport`.
 * Creating it sends no request. Throws INVALID_CONFIG for a bad URL or address.
 */
export function createLedgerReader(parameters: CreateLedgerReaderParameters): LedgerReader {
  const ledger = parseAddress(parameters.ledger, "The ledger address");
  const transport =
    parameters.transport ??
    httpTransport(parameters.rpcUrl, parameters.timeoutMs ?? 30_000, parameters.retryCount ?? 2);
  const client: PublicClient = createPublicClient({ transport });
  return { client, transport, ledger };
}

/**
 * A wallet client for transactions from `account` (a local key: it signs in-process, the
 * node never sees it), on the reader's endpoint. Asks the node for its chain id, so
 * transactions are signed for the chain they are sent to. Throws CHAIN_ERROR when the
 * node cannot be reached.
 */
export async function createLedgerWallet(reader: LedgerReader, account: LocalAccount): Promise<LedgerWallet> {
  const chainId = await withChainErrors("read the chain id", () => reader.client.getChainId());
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [] } },
  });
  const client = createWalletClient({ account, chain, transport: reader.transport });
  return { client, account };
}
