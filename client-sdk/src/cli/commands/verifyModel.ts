import { createReadStream } from "node:fs";
import type { Hex } from "viem";
import type { BlockRange } from "../../chain/blockRange.ts";
import { type ModelLineage, readLineage } from "../../chain/readLineage.ts";
import { FedLedgerError } from "../../errors/FedLedgerError.ts";
import { createContentHasher } from "../../protocol/hashing/contentHash.ts";
import { formatFields, formatTable } from "../format/formatTable.ts";
import type { ChainDependencies } from "./status.ts";

export type VerifyModelOptions = { file: string; range?: BlockRange };
export type VerifyModelResult = {
  readonly file: string;
  /** SHA-256 of the file's bytes: the content hash of a canonically encoded model. */
  readonly modelHash: Hex;
  readonly bytes: number;
  readonly lineage: ModelLineage;
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

/** Hashes the model file and looks up its lineage on the ledger. */
export async function verifyModelCommand(options: VerifyModelOptions, dependencies: ChainDependencies): Promise<VerifyModelResult> {
  const { hash, bytes } = await hashFile(options.file);
  const lineage = await readLineage(dependencies.reader, hash, options.range);
  return { file: options.file, modelHash: hash, bytes, lineage };
}

export function formatVerifyModel(result: VerifyModelResult): string {
  const header = formatFields([
    ["File", `${result.file} (${result.bytes} bytes)`],
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
