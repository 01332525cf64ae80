import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Hex } from "viem";
import { type BlockRange, resolveBlockRange } from "../../chain/blockRange.ts";
import { readRoundRecordedEvents } from "../../chain/ledgerEvents.ts";
import { type ModelLineage, readLineage } from "../../chain/readLineage.ts";
import { FedLedgerError } from "../../errors/FedLedgerError.ts";
import { createContentHasher } from "../../protocol/hashing/contentHash.ts";
import type { ExportMetadata } from "../../modelFiles/exportedModelFormat.ts";
import { readExportedModel } from "../../modelFiles/readExportedModel.ts";
import { formatFields, formatTable } from "../format/formatTable.ts";
import type { ChainDependencies } from "./status.ts";

export type VerifyModelOptions = { file: string; range?: BlockRange };
export type VerifyModelResult = {
  readonly file: string;
  /** SHA-256 of the file's bytes, or of an exported directory's weights in the canonical encoding: the hash the ledger records. */
  readonly modelHash: Hex;
  readonly bytes: number;
  readonly lineage: ModelLineage;
  /** An exported directory's fedledger metadata (null for a directory without it); absent for a file. */
  readonly exported?: ExportMetadata | null;
};

/** SHA-256 of a file, streamed. Throws INVALID_CONFIG when it cannot be read. */
export async function hashFile(path: string): Promise<{ hash: Hex; bytes: number }> {
  const hasher = createContentHasher();
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hasher.update(chunk);
      bytes += chunk.length;
    }
  } catch (cause) {
    throw new FedLedgerError("INVALID_CONFIG", `Cannot read the model file ${path}`, {
      details: cause instanceof Error ? cause.message : String(cause),
      cause,
    });
  }
  return { hash: hasher.digest(), bytes };
}

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
  const { hash, bytes } = await hashFile(options.file);
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
      ].join("\n\n");
  }
}
