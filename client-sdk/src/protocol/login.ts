import { type Account, type Address, type Hex, recoverTypedDataAddress } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { type LedgerDomainParameters, type LoginMessage, loginTypedData } from "./eip712.ts";

/**
 * The origin a login binds: scheme, host and port of the coordinator's URL, with ws(s)
 * read as http(s) (socket.io dials both the same way). Throws INVALID_CONFIG for a URL
 * that is not http(s) or ws(s).
 */
export function coordinatorOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FedLedgerError("INVALID_CONFIG", "The coordinator URL is not a valid URL", { details: JSON.stringify(url.slice(0, 200)) });
  }
  const scheme = { "http:": "http:", "ws:": "http:", "https:": "https:", "wss:": "https:" }[parsed.protocol];
  if (scheme === undefined) {
    throw new FedLedgerError("INVALID_CONFIG", "The coordinator URL must use http, https, ws or wss", { details: `got ${parsed.protocol}` });
  }
  return new URL(`${scheme}//${parsed.host}`).origin;
}

/** Signs a login with the participant's key, in its own configured ledger domain. */
export async function signLogin(account: Account, domain: LedgerDomainParameters, message: LoginMessage): Promise<Hex> {
  if (!account.signTypedData) throw new FedLedgerError("KEY_ERROR", "This account cannot sign typed data");
  return account.signTypedData(loginTypedData(domain, message));
}

/** The address that signed `message`; throws INVALID_SIGNATURE on a malformed signature. */
export async function recoverLoginSigner(domain: LedgerDomainParameters, message: LoginMessage, signature: Hex): Promise<Address> {
  try {
    return await recoverTypedDataAddress({ ...loginTypedData(domain, message), signature });
  } catch (cause) {
    throw new FedLedgerError("INVALID_SIGNATURE", "Malformed signature", { cause });
  }
}
