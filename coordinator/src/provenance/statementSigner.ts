import type { Account, Chain, Transport, WalletClient } from "viem";
import { FedLedgerError, type HashSigner } from "@fedledger/client-sdk";

/**
 * What signs the round statements: the coordinator's own account, the one that records
 * the rounds. A local key (private key, mnemonic, keystore) signs the hash itself; an
 * account the node holds (JSON-RPC, e.g. Hardhat's unlocked accounts), or a custom local
 * account without a raw signer, signs it as an EIP-191 personal message. Throws KEY_ERROR
 * for a smart account, whose signature no address recovers.
 */
export function statementSigner(walletClient: WalletClient<Transport, Chain, Account>): HashSigner {
  const account = walletClient.account;
  switch (account.type) {
    case "local":
      return { address: account.address, sign: ({ hash }) => (account.sign ? account.sign({ hash }) : account.signMessage({ message: { raw: hash } })) };
    case "json-rpc":
      return { address: account.address, sign: ({ hash }) => walletClient.signMessage({ account, message: { raw: hash } }) };
    default:
      throw new FedLedgerError("KEY_ERROR", "The coordinator's account cannot sign round statements", {
        details: `a ${account.type} account; use a private key, mnemonic, keystore or a node-held (JSON-RPC) account`,
      });
  }
}
