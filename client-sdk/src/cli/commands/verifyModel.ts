import { stat } from "node:fs/promises";
import type { Address, Hex } from "viem";
import { type BlockRange, resolveBlockRange } from "../../chain/blockRange.ts";
import { readRoundRecordedEvents } from "../../chain/ledgerEvents.ts";
import { type ModelLineage, readLineage } from "../../chain/readLineage.ts";
import { readReleases, type Release, releasesOfModel } from "../../chain/readReleases.ts";
import { FedLedgerError } from "../../errors/FedLedgerError.ts";
import type { ExportMetadata, ExportedRelease } from "../../modelFiles/exportedModelFormat.ts";
import { readExportedModel } from "../../modelFiles/readExportedModel.ts";
import { readExportedRelease } from "../../modelFiles/exportedRelease.ts";
import { formatFields, formatTable } from "../format/formatTable.ts";
import { hashFile } from "../hashFile.ts";
import type { ChainDependencies } from "./status.ts";

export type VerifyModelOptions = { file: string; range?: BlockRange };
export type VerifyModelResult = {
  readonly file: string;
  /** SHA-256 of the file's bytes, or of an exported directory's weights in the canonical encoding: the hash the ledger records. */
  readonly modelHash: Hex;
  readonly bytes: number;
  readonly lineage: ModelLineage;
  /** The model's releases on the ledger, by id (none for an unrecorded or genesis model). */
  readonly releases: readonly Release[];
  /** An exported directory's fedledger metadata (null for a directory without it); absent for a file. */
  readonly exported?: ExportMetadata | null;
};

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false; // hashFile reports what is wrong with the path
  }
}

/**
 * An exported directory's canonical hash. Throws HASH_MISMATCH when its weights are not
 * the ones its metadata names (changed after export), MODEL_NOT_RECORDED when the
 * metadata names another round than the ledger records for that hash.
 */
async function hashExportedModel(dir: string): Promise<{ hash: Hex; bytes: number; metadata: ExportMetadata | null }> {
  const { canonical, metadata } = await readExportedModel(dir);
  if (metadata !== undefined && metadata.modelHash.toLowerCase() !== canonical.modelHash) {
    throw new FedLedgerError("HASH_MISMATCH", "The model's weights do not match the hash in its metadata", {
      details: `weights hash to ${canonical.modelHash}, metadata says ${metadata.modelHash}`,
    });
  }
  return { hash: canonical.modelHash, bytes: canonical.encoded.length, metadata: metadata ?? null };
}

/**
 * Hashes a model file (its bytes), or an exported model directory (its weights in the
 * canonical encoding, checked against its metadata), and looks up its lineage on the
 * ledger. The result says `unrecorded` when no round produced the model; the CLI then
 * exits non-zero.
 */
export async function verifyModelCommand(options: VerifyModelOptions, dependencies: ChainDependencies): Promise<VerifyModelResult> {
  const result = await verifyLineage(options, dependencies);
  if (result.lineage.kind !== "recorded") return { ...result, releases: [] };
  const { releases } = await readReleases(dependencies.reader, options.range);
  const own = releasesOfModel(releases, result.modelHash);
  if (result.exported !== undefined) {
    checkExportedRelease(await readExportedRelease(options.file), own, { dir: options.file, modelHash: result.modelHash, ledger: dependencies.reader.ledger });
  }
  return { ...result, releases: own };
}

/**
 * An exported directory's `release.json` must name only releases the ledger records for
 * this model, with the same round, tag, report and approvers. Throws RELEASE_NOT_RECORDED.
 */
function checkExportedRelease(exported: ExportedRelease | undefined, onChain: readonly Release[], at: { dir: string; modelHash: Hex; ledger: Address }): void {
  if (exported === undefined) return;
  const { dir } = at;
  if (exported.modelHash.toLowerCase() !== at.modelHash.toLowerCase() || exported.ledger.toLowerCase() !== at.ledger.toLowerCase()) {
    throw new FedLedgerError("RELEASE_NOT_RECORDED", `${dir}'s release file is for another model or ledger`, {
      details: `release file: model ${exported.modelHash} on ${exported.ledger}; here: model ${at.modelHash} on ${at.ledger}`,
    });
  }
  for (const claimed of exported.releases) {
    const release = onChain.find((r) => r.releaseId === BigInt(claimed.releaseId));
    const same =
      release !== undefined &&
      release.round === BigInt(claimed.round) &&
      release.tag === claimed.tag &&
      release.reportDigest.toLowerCase() === claimed.reportDigest.toLowerCase() &&
      release.approvers.length === claimed.approvers.length &&
      release.approvers.every((a, i) => a.toLowerCase() === claimed.approvers[i]?.toLowerCase());
    if (!same) {
      throw new FedLedgerError("RELEASE_NOT_RECORDED", `${dir}'s release file names release ${claimed.releaseId} (${JSON.stringify(claimed.tag)}), which the ledger does not record for this model`, {
        details: release === undefined ? "no such release of this model" : `on-chain: round ${release.round}, tag ${JSON.stringify(release.tag)}, report ${release.reportDigest}, approvers ${release.approvers.join(", ")}`,
      });
    }
  }
}

async function verifyLineage(options: VerifyModelOptions, dependencies: ChainDependencies): Promise<Omit<VerifyModelResult, "releases">> {
  if (await isDirectory(options.file)) {
    const { hash, bytes, metadata } = await hashExportedModel(options.file);
    const lineage = await readLineage(dependencies.reader, hash, options.range);
    if (metadata !== null && lineage.kind !== "unrecorded") {
      // A hash can recur (an unchanged aggregate); the metadata's round must be one that produced it.
      const range = await resolveBlockRange(dependencies.reader, options.range);
      const atRound =
        metadata.round === 0 ? lineage.genesisModelHash : (await readRoundRecordedEvents(dependencies.reader, range, { round: BigInt(metadata.round) }))[0]?.aggregateModelHash;
      if (atRound?.toLowerCase() !== hash) {
        throw new FedLedgerError("MODEL_NOT_RECORDED", `The ledger does not record this model for round ${metadata.round}, as its metadata says`, {
          details: `round ${metadata.round}: ${atRound ?? "not recorded"}; model ${hash}`,
        });
      }
    }
    return { file: options.file, modelHash: hash, bytes, lineage, exported: metadata };
  }
  const { hash, bytes } = await hashFile(options.file, "model file");
  const lineage = await readLineage(dependencies.reader, hash, options.range);
  return { file: options.file, modelHash: hash, bytes, lineage };
}

export function formatVerifyModel(result: VerifyModelResult): string {
  const header = formatFields([
    [result.exported === undefined ? "File" : "Model", `${result.file} (${result.bytes} bytes${result.exported === undefined ? "" : " encoded"})`],
    ["SHA-256", result.modelHash],
  ]);
  const { lineage } = result;
  switch (lineage.kind) {
    case "genesis":
      return `${header}\n\nThis is the ledger's genesis model.`;
    case "unrecorded":
      return `${header}\n\nNot recorded on-chain: no round produced this model (genesis is ${lineage.genesisModelHash}).`;
    case "recorded":
      return [
        header,
        `Produced by round ${lineage.round}; lineage back to genesis ${lineage.genesisModelHash}:`,
        formatTable(
          ["Round", "Base model", "Aggregate model", "Participants", "Transaction"],
          lineage.steps.map((s) => [String(s.round), s.baseModelHash, s.aggregateModelHash, String(s.participants.length), s.transactionHash]),
          ["right", "left", "left", "right", "left"],
        ),
        formatReleases(result.releases),
      ].join("\n\n");
  }
}

/** One line per release of the model, with its status and approvers, or "Not released". */
export function formatReleases(releases: readonly Release[]): string {
  if (releases.length === 0) return "Release: not released (no approved release names this model).";
  return releases
    .map((r) => {
      const status =
        r.deprecation !== null
          ? `deprecated by ${r.deprecation.approver}: ${JSON.stringify(r.deprecation.reason)}${r.current ? " (still the current release until rolled back)" : ""}`
          : r.current
            ? "current release"
            : r.rollbacks.length > 0
              ? `rolled back to release ${r.rollbacks.at(-1)?.toReleaseId} by ${r.rollbacks.at(-1)?.approver}: ${JSON.stringify(r.rollbacks.at(-1)?.reason)}`
              : "superseded by a later release";
      return [
        `Release ${r.releaseId} ${JSON.stringify(r.tag)} (round ${r.round}): ${status}`,
        `  approved by ${r.approvers.join(", ")}`,
        `  report ${r.reportDigest}, transaction ${r.transactionHash}`,
      ].join("\n");
    })
    .join("\n");
}
