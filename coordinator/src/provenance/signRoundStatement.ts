import type { Address, Hex } from "viem";
import {
  type AuditConfig,
  createRoundStatement,
  encodeEnvelope,
  encodeRoundStatement,
  type HashSigner,
  roundStatementDigest,
  signStatementEnvelope,
  statementIndexEntry,
  statementIndexPath,
  writeFileAtomically,
} from "@fedledger/client-sdk";
import { roundTrainConfig } from "../rounds/collectUpdates.ts";
import type { EngineContext } from "../rounds/engineContext.ts";
import type { UpdateRow } from "../stores/stateStore.ts";
import { COORDINATOR_SOFTWARE } from "./coordinatorSoftware.ts";

/** What signs and keeps the round statements (EngineContext.provenance). */
export type ProvenanceSettings = {
  signer: HashSigner;
  /** The resolved strategy, scorer and evaluation data digest (the store's audit-config.json). */
  auditConfig: AuditConfig;
  /** The coordinator's `storage.dir`, where the statement index lives. */
  storeDir: string;
};

export type SignedStatement = { statementDigest: Hex; envelopeHash: Hex };

export type SignRoundStatementParameters = {
  round: number;
  baseModelHash: Hex;
  aggregateModelHash: Hex;
  /** The accepted updates, in the recorded (canonical) order. */
  updates: readonly UpdateRow[];
  scores: ReadonlyMap<Address, bigint>;
  metrics: Record<string, number>;
};

/**
 * Builds, signs and stores the statement of a round about to be recorded: the event log is
 * made durable and its head taken first, so the statement anchors everything logged up to
 * its aggregation. The envelope goes to the content store (under its own hash) and the
 * index (under the statement's digest) before this resolves: the digest sent to the
 * ledger always names a statement that survives a crash.
 */
export async function signRoundStatement(
  ctx: Pick<EngineContext, "provenance" | "eventLog" | "state" | "content" | "settings" | "safety" | "domain" | "ledgerAddress">,
  p: SignRoundStatementParameters,
): Promise<SignedStatement> {
  const { provenance } = ctx;
  const { validationGate, ...safety } = ctx.safety;
  const { loss, accuracy } = p.metrics;
  const statement = createRoundStatement({
    chainId: ctx.domain.chainId,
    ledger: ctx.ledgerAddress,
    round: p.round,
    baseModelHash: p.baseModelHash,
    aggregateModelHash: p.aggregateModelHash,
    updates: p.updates.map((u) => ({
      participant: u.participant,
      updateHash: u.updateHash,
      numSamples: u.numSamples,
      score: p.scores.get(u.participant) ?? 0n,
      signature: u.signature,
      datasetCommitment: u.datasetCommitment,
    })),
    refusedUpdates: ctx.state.listExcluded(p.round).map((u) => ({ participant: u.participant, updateHash: u.updateHash, numSamples: u.numSamples, reason: u.excluded ?? "INTERNAL" })),
    refusedSubmissions: ctx.eventLog.refusedSubmissions(p.round),
    strategy: provenance.auditConfig.strategy,
    scorer: provenance.auditConfig.scorer,
    safety: { ...safety, validationGate: validationGate !== undefined },
    training: roundTrainConfig(ctx.settings, p.round),
    model: { spec: ctx.settings.modelSpec, dtype: ctx.settings.dtype },
    validationData: provenance.auditConfig.evaluationData,
    metrics: loss !== undefined && accuracy !== undefined ? { loss, accuracy } : null,
    coordinator: provenance.signer.address,
    software: COORDINATOR_SOFTWARE,
    eventLogHead: ctx.eventLog.sync(),
  });
  const bytes = encodeRoundStatement(statement);
  const statementDigest = roundStatementDigest(bytes);
  const envelope = await signStatementEnvelope(bytes, provenance.signer);
  const envelopeHash = await ctx.content.put(encodeEnvelope(envelope));
  await writeFileAtomically(statementIndexPath(provenance.storeDir, statementDigest), statementIndexEntry(envelopeHash));
  return { statementDigest, envelopeHash };
}
