import { join } from "node:path";
import type { Hex } from "viem";
import { type BlockRange, resolveBlockRange } from "../../chain/blockRange.ts";
import { withChainErrors } from "../../chain/chainError.ts";
import { readRoundRecordedEvents } from "../../chain/ledgerEvents.ts";
import { readLineage } from "../../chain/readLineage.ts";
import { readReleases, releasesOfModel } from "../../chain/readReleases.ts";
import { FedLedgerError } from "../../errors/FedLedgerError.ts";
import { decodeWeights } from "../../protocol/encoding/weightsCodec.ts";
import { contributionLedgerAbi } from "../../protocol/ledgerAbi.ts";
import { layerLayout, parseModelSpec } from "../../training/modelSpec.ts";
import { readJsonFile, readStoredObject, STORE_MODEL_SPEC_FILE } from "../../modelFiles/coordinatorStore.ts";
import type { ExportedRelease, ExportMetadata } from "../../modelFiles/exportedModelFormat.ts";
import { exportedRelease, writeExportedRelease } from "../../modelFiles/exportedRelease.ts";
import { readLocalModelCopy } from "../../modelFiles/localModelCopy.ts";
import { bundledObjects, readAuditBundle } from "../../audit/auditBundle.ts";
import { formatFields } from "../format/formatTable.ts";
import type { ChainDependencies } from "./status.ts";

/** Where `model export` takes the weights from. */
export type ModelSource =
  /** A coordinator's `storage.dir`; the spec from `specFile`, else the `model-spec.json` the coordinator keeps there. */
  | { readonly kind: "store"; readonly dir: string; readonly specFile?: string }
  /** A participant's `--model-dir`: the latest recorded global model it kept. */
  | { readonly kind: "local"; readonly dir: string }
  /** An audit bundle from `fedledger-operator export-audit`: its models and model spec. */
  | { readonly kind: "bundle"; readonly file: string };

export type ModelExportOptions = {
  out: string;
  source: ModelSource;
  /** The round whose model to export (0: genesis). Default: the newest recorded model the source holds. */
  round?: number;
  range?: BlockRange;
};

export type ModelExportResult = {
  readonly out: string;
  readonly modelJsonPath: string;
  readonly weightsPath: string;
  readonly metadata: ExportMetadata;
  /** `release.json`, written when the model has releases on the ledger; null otherwise. */
  readonly releasePath: string | null;
  readonly release: ExportedRelease | null;
};

type Picked = { round: number; modelHash: Hex; bytes: Uint8Array; spec: unknown };

function notRecorded(message: string, details?: string): FedLedgerError {
  return new FedLedgerError("MODEL_NOT_RECORDED", message, details === undefined ? {} : { details });
}

/** Models by hash (a coordinator's store, a bundle), and the spec beside them. */
type ObjectSource = { where: string; spec: unknown; get: (hash: Hex) => Promise<Uint8Array | undefined> };

async function objectSource(source: Exclude<ModelSource, { kind: "local" }>): Promise<ObjectSource> {
  if (source.kind === "bundle") {
    const bundle = await readAuditBundle(source.file);
    return { where: `The bundle ${source.file}`, spec: bundle.modelSpec, get: bundledObjects(bundle) };
  }
  const spec = await readJsonFile(source.specFile ?? join(source.dir, STORE_MODEL_SPEC_FILE), "the model spec");
  return { where: `The store ${source.dir}`, spec, get: (hash) => readStoredObject(source.dir, hash) };
}

async function fromObjects(source: ObjectSource, round: number | undefined, recorded: (round: number) => Hex | undefined, rounds: readonly number[]): Promise<Picked> {
  const { spec } = source;
  if (round !== undefined) {
    const modelHash = recorded(round);
    if (modelHash === undefined) throw notRecorded(`Round ${round} is not recorded on the ledger`);
    const bytes = await source.get(modelHash);
    if (bytes === undefined) throw new FedLedgerError("INVALID_CONFIG", `${source.where} does not hold round ${round}'s model`, { details: modelHash });
    return { round, modelHash, bytes, spec };
  }
  for (const candidate of [...rounds].sort((a, b) => b - a).concat(0)) {
    const modelHash = recorded(candidate) as Hex;
    const bytes = await source.get(modelHash);
    if (bytes !== undefined) return { round: candidate, modelHash, bytes, spec };
  }
  throw new FedLedgerError("INVALID_CONFIG", `${source.where} holds no model this ledger records`);
}

async function fromLocalCopy(source: Extract<ModelSource, { kind: "local" }>, round: number | undefined): Promise<Picked> {
  const copy = await readLocalModelCopy(source.dir);
  if (round !== undefined && round !== copy.round) {
    throw new FedLedgerError("INVALID_CONFIG", `The local copy holds round ${copy.round}'s model, not round ${round}'s`);
  }
  return { round: copy.round, modelHash: copy.modelHash, bytes: copy.weights, spec: copy.modelSpec };
}

/**
 * `fedledger model export`: takes a global model from a coordinator's store, a
 * participant's local copy or an audit bundle, checks that the ledger records its hash for its round (the
 * genesis hash for round 0), and writes it as a TensorFlow.js Layers directory whose
 * metadata carries the hash, the round and the lineage, with a `release.json` beside it
 * naming the model's releases (tag, report digest, approvers, status) when it has any.
 * The serialised weights are re-hashed before anything is written (see writeExportedModel).
 *
 * Throws MODEL_NOT_RECORDED when the ledger does not record the model for that round,
 * HASH_MISMATCH for weights that do not match their hash, INVALID_CONFIG for a source
 * that lacks the model or its spec, DECODE_ERROR for a file that is not an audit bundle,
 * CHAIN_ERROR when the ledger cannot be read.
 */
export async function modelExportCommand(options: ModelExportOptions, dependencies: ChainDependencies): Promise<ModelExportResult> {
  const { reader } = dependencies;
  const range = await resolveBlockRange(reader, options.range);
  const [chainId, genesisModelHash, events] = await Promise.all([
    withChainErrors("read the chain id", () => reader.client.getChainId()),
    withChainErrors("read genesisModelHash", () =>
      reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "genesisModelHash", blockNumber: range.toBlock }),
    ),
    readRoundRecordedEvents(reader, range),
  ]);
  const byRound = new Map(events.map((e) => [Number(e.round), e.aggregateModelHash.toLowerCase() as Hex]));
  const recorded = (round: number): Hex | undefined => (round === 0 ? (genesisModelHash.toLowerCase() as Hex) : byRound.get(round));

  const { source } = options;
  const picked = source.kind === "local" ? await fromLocalCopy(source, options.round) : await fromObjects(await objectSource(source), options.round, recorded, [...byRound.keys()]);
  if (recorded(picked.round) !== picked.modelHash.toLowerCase()) {
    throw notRecorded(`The ledger does not record this model for round ${picked.round}`, `model ${picked.modelHash}, recorded ${recorded(picked.round) ?? "nothing"}`);
  }
  const spec = parseModelSpec(picked.spec);
  const { weights } = decodeWeights(picked.bytes, layerLayout(spec));
  const lineage = await readLineage(reader, picked.modelHash, { ...options.range, toBlock: range.toBlock });
  // A release names a round and its model: only the releases of this round's model travel with it.
  const { releases } = picked.round === 0 ? { releases: [] } : await readReleases(reader, { ...options.range, toBlock: range.toBlock });
  const release = exportedRelease({
    chainId,
    ledger: reader.ledger,
    modelHash: picked.modelHash.toLowerCase() as Hex,
    releases: releasesOfModel(releases, picked.modelHash).filter((r) => r.round === BigInt(picked.round)),
  });
  const metadata: ExportMetadata = {
    version: 1,
    modelHash: picked.modelHash.toLowerCase() as Hex,
    round: picked.round,
    chainId,
    ledger: reader.ledger,
    genesisModelHash,
    lineage:
      lineage.kind === "recorded"
        ? lineage.steps.map((s) => ({ round: Number(s.round), baseModelHash: s.baseModelHash, aggregateModelHash: s.aggregateModelHash, transactionHash: s.transactionHash }))
        : [],
    source: source.kind,
  };
  const { writeExportedModel } = await import("../../modelFiles/writeExportedModel.ts");
  const written = await writeExportedModel({ dir: options.out, spec, weights, metadata });
  const releasePath = await writeExportedRelease(options.out, release);
  return { out: options.out, modelJsonPath: written.modelJsonPath, weightsPath: written.weightsPath, metadata, releasePath: releasePath ?? null, release: release ?? null };
}

export function formatModelExport(result: ModelExportResult): string {
  const { metadata } = result;
  return formatFields([
    ["Model", result.modelJsonPath],
    ["Weights", result.weightsPath],
    ["Round", metadata.round === 0 ? "0 (genesis)" : String(metadata.round)],
    ["SHA-256", `${metadata.modelHash} (recorded on-chain)`],
    ["Lineage", `${metadata.lineage.length} round(s) back to genesis ${metadata.genesisModelHash}`],
    ["Source", metadata.source],
    [
      "Release",
      result.release === null
        ? "not released"
        : `${result.release.releases.map((r) => `${r.releaseId} ${JSON.stringify(r.tag)} (${r.status}, ${r.approvers.length} approvers)`).join("; ")} in ${result.releasePath}`,
    ],
  ]);
}
