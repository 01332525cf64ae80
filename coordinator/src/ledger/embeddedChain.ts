import { network } from "hardhat";

/**
 * Hardhat's EDR chain, in this process, served over JSON-RPC on loopback so that other
 * processes (clients, CLI) share it. The default accounts (Hardhat's test mnemonic) are
 * unlocked on it: for local use only.
 */
export async function startEmbeddedChain(options: { port?: number } = {}): Promise<{ rpcUrl: string; close(): Promise<void> }> {
  const server = await network.createServer("default", "127.0.0.1", options.port ?? 0);
  const { port } = await server.listen();
  return { rpcUrl: `http://127.0.0.1:${port}`, close: () => server.close() };
}
