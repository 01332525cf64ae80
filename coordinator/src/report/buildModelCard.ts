import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  type AuditConfig,
  type BlockRange,
  contributionLedgerAbi,
  type DatasetRegistration,
  inputSize,
  layerLayout,
  type LedgerReader,
  numClasses,
  parameterCount,
  parseAuditConfig,
  parseModelSpec,
  readDatasetRegistrations,
  readJsonFile,
  readParticipantStatus,
  readRecordedRounds,
  type RecordedRound,
  STORE_AUDIT_CONFIG_FILE,
  STORE_MODEL_SPEC_FILE,
} from "@fedledger/client-sdk";
import type { CoordinatorConfig } from "../config/coordinatorConfig.ts";
import { modelCardConfigSchema } from "../config/modelCardConfig.ts";
import { openStateStore, STATE_STORE_FILE, type StateStore } from "../stores/stateStore.ts";
import { type Evidence, eventEvidence as eventOf, MODEL_CARD_FORMAT, MODEL_CARD_VERSION, type ModelCard, type ParticipantEntry, type RoundEntry, type RoundSettings } from "./modelCard.ts";
import { readReleaseEntries } from "./readReleaseEntries.ts";
import { type LoadedRoundStatement, readRoundStatement } from "./readRoundStatement.ts";

export type BuildModelCardParameters = {
  reader: LedgerReader;
  /** The coordinator's `storage.dir`. */
  storeDir: string;
  /** The coordinator config and its file, when given: the model card text, the training settings, the rounds planned. */
  config?: { file: string; value: CoordinatorConfig };
  range?: BlockRange;
  now?: () => Date;
};

const canonical = (value: unknown) => JSON.stringify(value);
/** Training settings without the seed, which is the round's number: what rounds have in common. */
const withoutSeed = ({ seed: _seed, ...training }: Record<string, unknown>) => training;

/** The coordinator's state database, read only if it exists (a store copied without it still reports). */
function withState<T>(storeDir: string, read: (state: StateStore | undefined) => T): T {
  const path = join(storeDir, STATE_STORE_FILE);
  const state = existsSync(path) ? openStateStore(path) : undefined;
  try {
    return read(state);
  } finally {
    state?.close();
  }
}

/** Each registered participant's current registry entry, with the event that gave it its commitment. */
async function participants(reader: LedgerReader, range: BlockRange & { toBlock: bigint }): Promise<ParticipantEntry[]> {
  const registrations = await readDatasetRegistrations(reader, range);
  const addresses = [...new Map(registrations.map((r) => [r.participant.toLowerCase(), r.participant])).values()];
  return Promise.all(
    addresses.map(async (address): Promise<ParticipantEntry> => {
      const status = await readParticipantStatus(reader, address, range);
      const own = registrations.filter((r) => r.participant.toLowerCase() === address.toLowerCase());
      const current: DatasetRegistration | undefined = own.filter((r) => r.datasetCommitment.toLowerCase() === status.datasetCommitment.toLowerCase()).at(-1);
      return {
        address,
        status: status.status,
        datasetCommitment: status.datasetCommitment,
        datasetSize: status.datasetSize,
        attestationDigest: current?.attestationDigest ?? null,
        registeredAt: new Date(Number(status.registeredAt) * 1000).toISOString(),
        roundsContributed: status.roundsContributed,
        registration: current === undefined ? null : eventOf(current.event, current),
        state: { kind: "view", call: `participantInfo(${address})`, blockNumber: range.toBlock.toString() },
      };
    }),
  );
}

/** One recorded round: the chain's record, its statement when verified, else what the coordinator's state kept. */
function roundEntry(round: RecordedRound, loaded: LoadedRoundStatement, state: StateStore | undefined, storeDir: string): RoundEntry {
  const number = Number(round.round);
  const statement = loaded.statement?.predicate;
  const stateEvidence: Evidence = { kind: "store", file: join(storeDir, STATE_STORE_FILE) };
  const stored = state?.getRound(number);
  const excluded = state?.listExcluded(number) ?? [];
  const metrics = statement !== undefined ? statement.validation.metrics : (stored?.metrics ?? null);
  return {
    round: number,
    baseModelHash: round.baseModelHash,
    aggregateModelHash: round.aggregateModelHash,
    updatesDigest: round.updatesDigest,
    budget: round.budget.toString(),
    statement: loaded.status,
    updates: round.updates.map((u) => ({ participant: u.participant, updateHash: u.updateHash, numSamples: u.numSamples.toString(), score: u.score.toString() })),
    refused:
      statement !== undefined
        ? statement.refused.updates.map((u) => ({ participant: u.participant, reason: u.reason }))
        : excluded.map((u) => ({ participant: u.participant, reason: u.excluded ?? "unknown" })),
    refusedEvidence: statement !== undefined ? loaded.evidence : state === undefined ? null : stateEvidence,
    metrics,
    metricsEvidence: statement !== undefined ? loaded.evidence : metrics === null ? null : stateEvidence,
    settings: statement === undefined ? null : { strategy: statement.strategy, scorer: statement.scorer, training: withoutSeed(statement.training), safety: statement.safety },
    evidence: eventOf("RoundRecorded", round),
  };
}

function validationData(data: AuditConfig["evaluationData"], auditConfig: AuditConfig): ModelCard["validation"]["data"] {
  return data === null ? null : { fingerprint: data.fingerprint, numSamples: data.numSamples, recordsDigest: data.recordsDigest, settings: auditConfig.evaluation };
}

function architecture(spec: unknown) {
  const parsed = parseModelSpec(spec);
  return { inputs: inputSize(parsed), classes: numClasses(parsed), parameters: parameterCount(layerLayout(parsed)) };
}

/**
 * Gathers the model card: the chain (as of one block: the range's last, by default the
 * latest), the coordinator's store (model spec, audit config, state database, round
 * statements) and, when given, its config. Throws INVALID_CONFIG when the store lacks its
 * model spec or audit config; CHAIN_ERROR when the ledger cannot be read.
 */
export async function buildModelCard(p: BuildModelCardParameters): Promise<ModelCard> {
  const { reader, storeDir } = p;
  const specFile = join(storeDir, STORE_MODEL_SPEC_FILE);
  const auditConfigFile = join(storeDir, STORE_AUDIT_CONFIG_FILE);
  const spec = await readJsonFile(specFile, "the model spec");
  const auditConfig: AuditConfig = parseAuditConfig(await readJsonFile(auditConfigFile, "the audit config"), auditConfigFile);
  const toBlock = p.range?.toBlock ?? (await reader.client.getBlockNumber());
  const range = { ...p.range, toBlock };
  const asOf = toBlock.toString();
  const view = (call: string): Evidence => ({ kind: "view", call, blockNumber: asOf });

  const [chainId, genesisModelHash, recorded, registered, releases] = await Promise.all([
    reader.client.getChainId(),
    reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "genesisModelHash", blockNumber: toBlock }),
    readRecordedRounds(reader, range),
    participants(reader, range),
    readReleaseEntries(reader, range),
  ]);
  const statements = await Promise.all(recorded.map((round) => readRoundStatement({ reader, storeDir, chainId, round })));
  const rounds = withState(storeDir, (state) => recorded.map((round, i) => roundEntry(round, statements[i] as LoadedRoundStatement, state, storeDir)));

  const latest = recorded.at(-1);
  // The newest round with a verified statement: what it says is anchored on-chain.
  const anchored = rounds
    .map((round, i) => ({ round, statement: statements[i]?.statement, evidence: statements[i]?.evidence ?? null }))
    .findLast((r) => r.round.settings !== null && r.evidence !== null);
  const auditConfigEvidence: Evidence = { kind: "store", file: auditConfigFile };
  const settings: RoundSettings = anchored?.round.settings ?? {
    strategy: auditConfig.strategy,
    scorer: auditConfig.scorer,
    training: p.config === undefined ? null : { ...p.config.value.training },
    safety: p.config === undefined ? null : { ...p.config.value.safety },
  };
  const settingsEvidence: Evidence[] =
    anchored !== undefined && anchored.evidence !== null ? [anchored.evidence] : [auditConfigEvidence, ...(p.config === undefined ? [] : [{ kind: "config", file: p.config.file } as const])];
  const declared = p.config?.value.modelCard ?? modelCardConfigSchema.parse({});

  return {
    format: MODEL_CARD_FORMAT,
    version: MODEL_CARD_VERSION,
    generatedAt: (p.now ?? (() => new Date()))().toISOString(),
    ledger: { chainId, address: reader.ledger, asOfBlock: asOf, genesisModelHash, evidence: view("genesisModelHash()") },
    model: {
      name: declared.name,
      provider: declared.provider ?? null,
      purpose: declared.purpose,
      limitations: declared.limitations ?? null,
      contact: declared.contact ?? null,
      declaredIn: p.config === undefined ? null : { kind: "config", file: p.config.file },
      round: latest === undefined ? 0 : Number(latest.round),
      modelHash: latest?.aggregateModelHash ?? genesisModelHash,
      evidence: latest === undefined ? view("genesisModelHash()") : eventOf("RoundRecorded", latest),
      architecture: { ...architecture(spec), spec, evidence: anchored?.evidence ?? { kind: "store", file: specFile } },
    },
    participants: registered,
    training: {
      roundsRecorded: recorded.length,
      roundsPlanned: p.config?.value.rounds.rounds ?? null,
      settings,
      evidence: settingsEvidence,
      roundsWithOtherSettings: rounds.filter((r) => r.settings !== null && canonical(r.settings) !== canonical(settings)).map((r) => r.round),
    },
    validation: {
      // The data's commitment as the newest statement names it (anchored), else the store's; how it was chosen is only in the store.
      data: anchored?.statement !== undefined ? validationData(anchored.statement.predicate.validation.data, auditConfig) : validationData(auditConfig.evaluationData, auditConfig),
      evidence: anchored !== undefined && anchored.evidence !== null ? [anchored.evidence, auditConfigEvidence] : [auditConfigEvidence],
    },
    rounds,
    lineage: [
      { round: 0, modelHash: genesisModelHash, baseModelHash: null, evidence: view("genesisModelHash()") },
      ...recorded.map((r) => ({ round: Number(r.round), modelHash: r.aggregateModelHash, baseModelHash: r.baseModelHash, evidence: eventOf("RoundRecorded", r) })),
    ],
    releases,
    verification: [
      { claim: "every round's aggregate and contribution scores (and, where recorded, its signed statement)", command: `npx fedledger-operator export-audit --store STORE --out audit.bundle && npx fedledger audit --bundle audit.bundle --rpc-url URL --ledger ${reader.ledger}` },
      { claim: `the model's weights are round ${latest === undefined ? 0 : latest.round}'s`, command: `npx fedledger verify-model MODEL_DIR --rpc-url URL --ledger ${reader.ledger}` },
      { claim: "a participant's dataset commitment and registration", command: `npx fedledger status --address PARTICIPANT --rpc-url URL --ledger ${reader.ledger}` },
      { claim: "a record is, or is not, in a participant's dataset", command: `npx fedledger verify-proof PROOF --participant PARTICIPANT --rpc-url URL --ledger ${reader.ledger}` },
      { claim: "any transaction named here", command: "eth_getTransactionReceipt on the chain's JSON-RPC endpoint (or a block explorer)" },
    ],
  };
}
