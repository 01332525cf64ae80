import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import type { Release } from "../chain/readReleases.ts";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { describeIssues } from "../protocol/messages.ts";
import { readJsonFile } from "./coordinatorStore.ts";
import { type ExportedRelease, exportedReleaseSchema, RELEASE_FILE } from "./exportedModelFormat.ts";
import { writeFileAtomically } from "./writeFileAtomically.ts";

/** `release.json` for a model and its releases on the ledger; undefined when it has none. */
export function exportedRelease(p: { chainId: number; ledger: Address; modelHash: Hex; releases: readonly Release[] }): ExportedRelease | undefined {
  if (p.releases.length === 0) return undefined;
  return {
    version: 1,
    chainId: p.chainId,
    ledger: p.ledger,
    modelHash: p.modelHash,
    releases: p.releases.map((r) => ({
      releaseId: Number(r.releaseId),
      round: Number(r.round),
      tag: r.tag,
      reportDigest: r.reportDigest,
      approvers: [...r.approvers],
      status: r.status,
      transactionHash: r.transactionHash,
      deprecation: r.deprecation === null ? null : { reason: r.deprecation.reason, approver: r.deprecation.approver, transactionHash: r.deprecation.transactionHash },
    })),
  };
}

/** Writes `release.json` into `dir`, or removes a stale one when the model has no release. */
export async function writeExportedRelease(dir: string, release: ExportedRelease | undefined): Promise<string | undefined> {
  const path = join(dir, RELEASE_FILE);
  if (release === undefined) {
    await rm(path, { force: true });
    return undefined;
  }
  await writeFileAtomically(path, `${JSON.stringify(release, null, 2)}\n`);
  return path;
}

/** An exported directory's `release.json`; undefined when there is none. Throws INVALID_CONFIG for a malformed one. */
export async function readExportedRelease(dir: string): Promise<ExportedRelease | undefined> {
  const path = join(dir, RELEASE_FILE);
  if (!existsSync(path)) return undefined;
  const parsed = exportedReleaseSchema.safeParse(await readJsonFile(path, "the release file"));
  if (!parsed.success) throw new FedLedgerError("INVALID_CONFIG", `${path} is not a fedledger release file`, { details: describeIssues(parsed.error) });
  return parsed.data;
}
