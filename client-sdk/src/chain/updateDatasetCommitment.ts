import { type Hex, isAddressEqual, parseEventLogs } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { contributionLedgerAbi } from "../protocol/ledgerAbi.ts";
import { withChainErrors } from "./chainError.ts";
import type { LedgerReader, LedgerWallet } from "./ledgerClients.ts";

export type UpdateDatasetCommitmentParameters = {
  datasetCommitment: Hex;
  datasetSize: number;
  /** SHA-256 of the consent or licence document; the zero hash for none. */
  attestationDigest: Hex;
};

export type UpdateDatasetCommitmentResult = {
  readonly previous: Hex;
  readonly datasetCommitment: Hex;
  readonly datasetSize: bigint;
  readonly attestationDigest: Hex;
  readonly transactionHash: Hex;
  readonly blockNumber: bigint;
};

/**
 * Replaces `wallet.account`'s registered dataset commitment, size and attestation digest
 * (`updateDatasetCommitment`), simulated first so that a refusal (not registered, a larger
 * size than registered: only the registrar raises it) is reported before anything is
 * signed. Signatures over the old commitment stop verifying. Throws CHAIN_ERROR naming the
 * ledger's custom error.
 */
export async function updateDatasetCommitment(reader: LedgerReader, wallet: LedgerWallet, p: UpdateDatasetCommitmentParameters): Promise<UpdateDatasetCommitmentResult> {
  const { request } = await withChainErrors("update the dataset commitment", () =>
    reader.client.simulateContract({
      address: reader.ledger,
      abi: contributionLedgerAbi,
      functionName: "updateDatasetCommitment",
      args: [p.datasetCommitment, p.datasetSize, p.attestationDigest],
      account: wallet.account,
    }),
  );
  const transactionHash = await withChainErrors("send the dataset update", () => wallet.client.writeContract(request));
  const receipt = await withChainErrors("wait for the dataset update receipt", () => reader.client.waitForTransactionReceipt({ hash: transactionHash, timeout: 120_000 }));
  const [updated] = parseEventLogs({
    abi: contributionLedgerAbi,
    eventName: "DatasetCommitmentUpdated",
    logs: receipt.logs.filter((log) => isAddressEqual(log.address, reader.ledger)),
    strict: true,
  });
  if (receipt.status !== "success" || updated === undefined) {
    throw new FedLedgerError("CHAIN_ERROR", "The dataset update transaction reverted", { details: `transaction ${transactionHash}` });
  }
  return {
    previous: updated.args.previous,
    datasetCommitment: updated.args.current,
    datasetSize: updated.args.datasetSize,
    attestationDigest: updated.args.attestationDigest,
    transactionHash,
    blockNumber: receipt.blockNumber,
  };
}
