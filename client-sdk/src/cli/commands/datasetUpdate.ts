import type { Hex } from "viem";
import type { LocalAccount } from "viem/accounts";
import { createLedgerWallet, type LedgerReader } from "../../chain/ledgerClients.ts";
import { updateDatasetCommitment } from "../../chain/updateDatasetCommitment.ts";
import { formatFields } from "../format/formatTable.ts";
import type { DatasetSpec } from "../parseDatasetSpec.ts";
import type { AttestationOptions } from "../resolveAttestation.ts";
import { describeAttestation } from "../resolveAttestation.ts";
import { fingerprintCommand, type FingerprintDependencies } from "./fingerprint.ts";

export type DatasetUpdateOptions = { dataset: DatasetSpec } & AttestationOptions;
export type DatasetUpdateDependencies = FingerprintDependencies & { reader: LedgerReader; account: LocalAccount };
export type DatasetUpdateResult = {
  readonly dataset: string;
  readonly previous: Hex;
  readonly commitment: Hex;
  readonly datasetSize: number;
  readonly attestationDigest: Hex;
  readonly transactionHash: Hex;
};

/**
 * `fedledger dataset update`: fingerprints the dataset as `fingerprint` does and registers
 * its commitment, size and attestation digest for the participant's own key. The size may
 * only stay or shrink (the registrar raises it); updates signed over the old commitment stop
 * verifying, so run it between training rounds.
 */
export async function datasetUpdateCommand(options: DatasetUpdateOptions, dependencies: DatasetUpdateDependencies): Promise<DatasetUpdateResult> {
  const fingerprint = await fingerprintCommand(options, dependencies);
  const wallet = await createLedgerWallet(dependencies.reader, dependencies.account);
  const updated = await updateDatasetCommitment(dependencies.reader, wallet, {
    datasetCommitment: fingerprint.commitment,
    datasetSize: fingerprint.datasetSize,
    attestationDigest: fingerprint.attestationDigest,
  });
  return {
    dataset: fingerprint.dataset,
    previous: updated.previous,
    commitment: updated.datasetCommitment,
    datasetSize: Number(updated.datasetSize),
    attestationDigest: updated.attestationDigest,
    transactionHash: updated.transactionHash,
  };
}

export function formatDatasetUpdate(result: DatasetUpdateResult): string {
  return formatFields([
    ["Dataset", result.dataset],
    ["Commitment", `${result.commitment} (was ${result.previous})`],
    ["Dataset size", String(result.datasetSize)],
    ["Attestation", describeAttestation(result.attestationDigest)],
    ["Transaction", result.transactionHash],
  ]);
}
