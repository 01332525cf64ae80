import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type BlockRange, FedLedgerError, type LedgerReader, writeFileAtomically } from "@fedledger/client-sdk";
import type { CoordinatorConfig } from "../../config/coordinatorConfig.ts";
import { buildModelCard } from "../../report/buildModelCard.ts";
import type { ModelCard } from "../../report/modelCard.ts";
import { modelCardDocument } from "../../report/modelCardDocument.ts";
import { renderHtml } from "../../report/renderHtml.ts";
import { renderMarkdown } from "../../report/renderMarkdown.ts";

export const REPORT_FILES = { markdown: "model-card.md", json: "model-card.json", html: "model-card.html" } as const;

export type ReportOptions = {
  /** The coordinator's `storage.dir`. */
  storeDir: string;
  /** The directory to write the model card into (created if missing; its files replaced atomically). */
  out: string;
  config?: { file: string; value: CoordinatorConfig };
  range?: BlockRange;
  now?: () => Date;
};

export type ReportResult = { out: string; files: string[]; rounds: number; participants: number; card: ModelCard };

/** JSON with bigints as decimal strings (none are expected: the card holds strings already). */
const toJson = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);

/**
 * `fedledger-operator report --out DIR`: the model card (model-card.md, model-card.json,
 * model-card.html) built from the chain and the coordinator's store (buildModelCard.ts).
 */
export async function reportCommand(options: ReportOptions, reader: LedgerReader): Promise<ReportResult> {
  const card = await buildModelCard({
    reader,
    storeDir: options.storeDir,
    ...(options.config === undefined ? {} : { config: options.config }),
    ...(options.range === undefined ? {} : { range: options.range }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const blocks = modelCardDocument(card);
  try {
    await mkdir(options.out, { recursive: true });
  } catch (cause) {
    throw new FedLedgerError("INVALID_CONFIG", `Cannot create the report directory ${options.out}`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  const files = [
    [REPORT_FILES.json, `${toJson(card)}\n`],
    [REPORT_FILES.markdown, renderMarkdown(blocks)],
    [REPORT_FILES.html, renderHtml(`Model card: ${card.model.name}`, blocks)],
  ] as const;
  for (const [name, text] of files) await writeFileAtomically(join(options.out, name), text);
  return { out: options.out, files: files.map(([name]) => join(options.out, name)), rounds: card.rounds.length, participants: card.participants.length, card };
}
