import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import {
  type BlockRange,
  type BundledRound,
  contributionLedgerAbi,
  encodeAuditBundle,
  FedLedgerError,
  type LedgerReader,
  parseAuditConfig,
  parseDatasetProof,
  parseModelSpec,
  readJsonFile,
  readRecordedRounds,
  readReleaseApprovals,
  readReleases,
  readStoredEventLog,
  readStoredObject,
  readStoredStatement,
  STORE_AUDIT_CONFIG_FILE,
  STORE_MODEL_SPEC_FILE,
  writeFileAtomically,
} from "@fedledger/client-sdk";
import { openStateStore, STATE_STORE_FILE, type StateStore } from "../../stores/stateStore.ts";

export type ExportAuditOptions = {
  /** The coordinator's `storage.dir`. */
  storeDir: string;
  /** The bundle file to write (replaced atomically). */
  out: string;
  range?: BlockRange;
  /** `fedledger prove` files to bundle, each with the participant whose registered commitment it is checked against. */
  proofs?: readonly { participant: Address; file: string }[];
};

export type ExportAuditResult = {
  out: string;
  ledger: Address;
  chainId: number;
  rounds: number;
  /** Rounds whose signed statement the store holds. */
  statements: number;
  /** Whether the store's event log is in the bundle. */
  eventLog: boolean;
  /** Releases whose approval signatures are bundled (those recorded by a direct recordRelease call). */
  releases: number;
  proofs: number;
  objects: number;
  bytes: number;
};

/** A proof file's JSON, checked to be a proof file. Throws INVALID_CONFIG when it cannot be read, INVALID_PROOF when it is not a proof. */
async function readProof(file: string): Promise<Record<string, unknown>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8")) as unknown;
  } catch (cause) {
    throw new FedLedgerError("INVALID_CONFIG", `Cannot read the proof file ${file}`, { details: cause instanceof Error ? cause.message : String(cause), cause });
  }
  parseDatasetProof(json);
  return json as Record<string, unknown>; // an object: parseDatasetProof checked it
}

/** Metrics and signatures of `round` as the coordinator's state database kept them (nulls without it). */
function roundMetadata(state: StateStore | undefined, round: number) {
  const signed = new Map((state?.listUpdates(round) ?? []).map((u) => [u.participant.toLowerCase(), u]));
  return { metrics: state?.getRound(round)?.metrics ?? null, signed: (participant: Address) => signed.get(participant.toLowerCase()) };
}

/**
 * `fedledger-operator export-audit`: one audit bundle file (see the SDK's auditBundle.ts)
 * with every round the ledger records, read from the chain, and from the coordinator's
 * store each round's base model, aggregate and signed updates, the model spec, the audit
 * config, the signatures and metrics its state database kept, each round's signed
 * statement (found by the digest the ledger records) and the event log; each release's
 * approval signatures (from its recording transaction), and the given dataset proofs. Holds every object
 * in memory while it writes. A statement the store lacks is bundled as null (the audit
 * then fails that round).
 *
 * Throws INVALID_CONFIG when the store lacks its model spec or audit config (a coordinator
 * older than the audit writes none), OBJECT_NOT_FOUND naming the objects the store lacks,
 * HASH_MISMATCH for a corrupt one; the chain client's errors when the ledger cannot be read.
 */
export async function exportAudit(options: ExportAuditOptions, reader: LedgerReader): Promise<ExportAuditResult> {
  const { storeDir } = options;
  const configFile = join(storeDir, STORE_AUDIT_CONFIG_FILE);
  const modelSpec = await readJsonFile(join(storeDir, STORE_MODEL_SPEC_FILE), "the model spec");
  parseModelSpec(modelSpec);
  const auditConfig = parseAuditConfig(await readJsonFile(configFile, "the audit config"), configFile);
  const [chainId, genesisModelHash, recorded] = await Promise.all([
    reader.client.getChainId(),
    reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "genesisModelHash" }),
    readRecordedRounds(reader, options.range),
  ]);

  const [statements, eventLog] = await Promise.all([Promise.all(recorded.map((r) => readStoredStatement(storeDir, r.statementDigest))), readStoredEventLog(storeDir)]);
  const releases = [];
  for (const release of (await readReleases(reader, options.range)).releases) {
    const approvals = await readReleaseApprovals(reader, release);
    if (approvals !== undefined) releases.push({ releaseId: release.releaseId.toString(), transactionHash: release.transactionHash, approvals: [...approvals] });
  }
  const proofs = await Promise.all((options.proofs ?? []).map(async (p) => ({ participant: p.participant, proof: await readProof(p.file) })));

  const statePath = join(storeDir, STATE_STORE_FILE);
  const state = existsSync(statePath) ? openStateStore(statePath) : undefined;
  let rounds: BundledRound[];
  try {
    rounds = recorded.map((r, i) => {
      const { metrics, signed } = roundMetadata(state, Number(r.round));
      return {
        round: Number(r.round),
        baseModelHash: r.baseModelHash,
        aggregateModelHash: r.aggregateModelHash,
        updatesDigest: r.updatesDigest,
        statementDigest: r.statementDigest,
        statement: statements[i] ?? null,
        transactionHash: r.transactionHash,
        blockNumber: r.blockNumber.toString(),
        metrics,
        updates: r.updates.map((u) => ({
          participant: u.participant,
          updateHash: u.updateHash,
          numSamples: u.numSamples.toString(),
          score: u.score.toString(),
          signature: signed(u.participant)?.signature ?? null,
          datasetCommitment: signed(u.participant)?.datasetCommitment ?? null,
        })),
      };
    });
  } finally {
    state?.close();
  }

  const hashes = [...new Set(recorded.flatMap((r) => [r.baseModelHash, r.aggregateModelHash, ...r.updates.map((u) => u.updateHash)].map((h) => h.toLowerCase() as Hex)))];
  const objects: { hash: Hex; bytes: Uint8Array }[] = [];
  const missing: Hex[] = [];
  for (const hash of hashes) {
    const bytes = await readStoredObject(storeDir, hash);
    if (bytes === undefined) missing.push(hash);
    else objects.push({ hash, bytes });
  }
  if (missing.length > 0) {
    throw new FedLedgerError("OBJECT_NOT_FOUND", `The store ${storeDir} lacks ${missing.length} object(s) the recorded rounds name`, {
      details: missing.slice(0, 10).join("\n") + (missing.length > 10 ? "\n…" : ""),
    });
  }

  const bytes = encodeAuditBundle({
    chainId,
    ledger: reader.ledger,
    genesisModelHash,
    modelSpec: modelSpec as Record<string, unknown>, // checked above
    auditConfig,
    rounds,
    eventLog: eventLog ?? null,
    releases,
    proofs,
    objects,
  });
  await writeFileAtomically(options.out, bytes);
  return {
    out: options.out,
    ledger: reader.ledger,
    chainId,
    rounds: rounds.length,
    statements: rounds.filter((r) => r.statement !== null).length,
    eventLog: eventLog !== undefined,
    releases: releases.length,
    proofs: proofs.length,
    objects: objects.length,
    bytes: bytes.length,
  };
}
