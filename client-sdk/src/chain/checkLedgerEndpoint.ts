import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { toChainError } from "./chainError.ts";
import { describeRpcUrl, type LedgerReader } from "./ledgerClients.ts";

/** How the user named the endpoint and the ledger (flags or config keys), for messages. */
export type LedgerEndpointLabels = { rpcUrl: string; rpcOption: string; ledgerOption: string };

/**
 * Checks, before anything else is read, that the chain answers and that the ledger address
 * holds code, and returns the chain id. Throws CHAIN_ERROR naming the RPC URL (without
 * credentials) when the node cannot be reached, INVALID_CONFIG when no contract is at the
 * ledger address on that chain.
 */
export async function checkLedgerEndpoint(reader: LedgerReader, labels: LedgerEndpointLabels): Promise<number> {
  const where = describeRpcUrl(labels.rpcUrl);
  let chainId: number;
  try {
    chainId = await reader.client.getChainId();
  } catch (cause) {
    const error = toChainError(cause, "read the chain id");
    throw new FedLedgerError("CHAIN_ERROR", `Cannot reach the chain at ${where} (${labels.rpcOption})`, {
      details: error.details ?? error.shortMessage,
      cause,
    });
  }
  let code: string | undefined;
  try {
    code = await reader.client.getCode({ address: reader.ledger });
  } catch (cause) {
    throw toChainError(cause, "read the ledger's code");
  }
  if (code === undefined || code === "0x") {
    throw new FedLedgerError("INVALID_CONFIG", `No contract at ${labels.ledgerOption} ${reader.ledger} on chain ${chainId} (${where})`, {
      details: "use the ledger address `fedledger-operator deploy` printed, and an RPC URL of the chain it deployed to",
    });
  }
  return chainId;
}
