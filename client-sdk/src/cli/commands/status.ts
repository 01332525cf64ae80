import type { Address } from "viem";
import type { BlockRange } from "../../chain/blockRange.ts";
import type { LedgerReader } from "../../chain/ledgerClients.ts";
import { type ParticipantStatus, readParticipantStatus } from "../../chain/readParticipantStatus.ts";
import { formatFields } from "../format/formatTable.ts";
import { formatTimestamp } from "../format/formatTimestamp.ts";
import { describeAttestation } from "../resolveAttestation.ts";

export type StatusOptions = { address: Address; range?: BlockRange };
export type ChainDependencies = { reader: LedgerReader };
export type StatusResult = ParticipantStatus & { readonly ledger: Address };

/** The participant's registration and the rounds it contributed to. */
export async function statusCommand(options: StatusOptions, dependencies: ChainDependencies): Promise<StatusResult> {
  const status = await readParticipantStatus(dependencies.reader, options.address, options.range);
  return { ledger: dependencies.reader.ledger, ...status };
}

export function formatStatus(result: StatusResult): string {
  const registered = result.status !== "none";
  const rounds = result.rounds.map((r) => String(r.round));
  return formatFields([
    ["Participant", result.address],
    ["Ledger", result.ledger],
    ["Status", registered ? result.status : "not registered"],
    ["Dataset commitment", registered ? result.datasetCommitment : "-"],
    ["Dataset size", registered ? `${result.datasetSize} records` : "-"],
    ["Attestation", registered ? describeAttestation(result.attestationDigest) : "-"],
    ["Registered at", formatTimestamp(result.registeredAt)],
    ["Rounds contributed", rounds.length === 0 ? "0" : `${rounds.length} (rounds ${rounds.join(", ")})`],
    ["As of block", String(result.blockNumber)],
  ]);
}
