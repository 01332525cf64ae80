import { describeRpcUrl } from "@fedledger/client-sdk";
import type { CoordinatorConfig } from "../config/coordinatorConfig.ts";

/**
 * The effective config as the event log records it: defaults resolved, and the RPC URL cut
 * to its scheme and host (a provider's key often sits in its path or query). The config
 * file holds no other secret: keys come from the environment or a keystore.
 */
export function loggedConfig(config: CoordinatorConfig): Record<string, unknown> {
  return JSON.parse(JSON.stringify({ ...config, chain: { ...config.chain, rpcUrl: describeRpcUrl(config.chain.rpcUrl) } })) as Record<string, unknown>;
}
