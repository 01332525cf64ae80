import { type Account, type Address, type Chain, createPublicClient, createWalletClient, defineChain, http, type PublicClient, type Transport, type WalletClient } from "viem";

/** Chain clients for operator commands, built from explicit parameters (never from the environment). */
export async function operatorClients(p: { rpcUrl: string; account: Account }): Promise<{
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
}> {
  const probe = createPublicClient({ transport: http(p.rpcUrl) });
  const chainId = await probe.getChainId();
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [p.rpcUrl] } },
  });
  return {
    publicClient: createPublicClient({ chain, transport: http(p.rpcUrl) }),
    walletClient: createWalletClient({ account: p.account, chain, transport: http(p.rpcUrl) }),
  };
}

export type LedgerTarget = { publicClient: PublicClient; walletClient: WalletClient<Transport, Chain, Account>; ledger: Address };
