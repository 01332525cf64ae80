import type { Evidence, ModelCard, RoundEntry, RoundStatementStatus } from "./modelCard.ts";
import { type Block, code } from "./reportBlocks.ts";

/** Where a claim is verified, in words. */
export function describeEvidence(evidence: Evidence): string {
  switch (evidence.kind) {
    case "event":
      return `${evidence.event} event, transaction ${code(evidence.transactionHash)}, block ${evidence.blockNumber}`;
    case "view":
      return `ledger read ${code(evidence.call)} at block ${evidence.blockNumber}`;
    case "statement":
      return `round ${evidence.round}'s statement ${code(evidence.statementDigest)}, signed by ${code(evidence.signer)}, digest recorded by transaction ${code(evidence.transactionHash)}, block ${evidence.blockNumber}`;
    case "store":
      return `coordinator store ${code(evidence.file)} (not anchored on-chain)`;
    case "config":
      return `operator's config ${code(evidence.file)} (not anchored on-chain)`;
  }
}

const json = (value: unknown) => code(JSON.stringify(value) ?? "null");
const orDash = (value: string | null) => value ?? "-";
const verifiedBy = (evidence: readonly (Evidence | null)[]) => ["Verified by", evidence.filter((e) => e !== null).map(describeEvidence).join(";\n") || "-"] as const;

function statementCell(statement: RoundStatementStatus): string {
  switch (statement.status) {
    case "verified":
      return `verified ${code(statement.digest)}`;
    case "missing":
    case "invalid":
      return `${statement.status.toUpperCase()} ${code(statement.digest)}: ${statement.detail}`;
  }
}

function metricCell(metrics: Readonly<Record<string, number>> | null, name: string): string {
  const value = metrics?.[name];
  return value === undefined ? "-" : String(Number(value.toFixed(6)));
}

/** The releases of the model `modelHash`, in words. */
function releasesOf(card: ModelCard, modelHash: string): string {
  const releases = card.releases.items.filter((r) => r.modelHash.toLowerCase() === modelHash.toLowerCase());
  return releases.length === 0 ? "not released" : releases.map((r) => `${r.tag} (release ${r.releaseId}, ${r.status})`).join("; ");
}

function roundBlocks(round: RoundEntry): Block[] {
  return [
    { kind: "heading", level: 3, text: `Round ${round.round}` },
    {
      kind: "fields",
      rows: [
        ["Base model", code(round.baseModelHash)],
        ["Aggregate model", code(round.aggregateModelHash)],
        ["Updates digest", code(round.updatesDigest)],
        ["Statement", statementCell(round.statement)],
        ["Refused updates", round.refused.length === 0 ? "none" : round.refused.map((r) => `${code(r.participant)}: ${r.reason}`).join("; ")],
        verifiedBy([round.evidence]),
      ],
    },
    {
      kind: "table",
      headers: ["Participant", "Update hash", "Samples", "Score"],
      rows: round.updates.map((u) => [code(u.participant), code(u.updateHash), u.numSamples, u.score]),
    },
  ];
}

/** The model card as report blocks, in the order of Annex IV's sections that the ledger can speak to. */
export function modelCardDocument(card: ModelCard): Block[] {
  const { model, training, validation } = card;
  const blocks: Block[] = [
    { kind: "heading", level: 1, text: `Model card: ${model.name}` },
    {
      kind: "paragraph",
      text:
        `Technical documentation (EU AI Act, Annex IV) written by \`fedledger-operator report\` at ${card.generatedAt}, ` +
        `from the ledger ${code(card.ledger.address)} on chain ${card.ledger.chainId} as of block ${card.ledger.asOfBlock}, and from the coordinator's store. ` +
        "Each claim names where it is verified: a transaction on the ledger, a ledger read at a block, a round's signed statement whose digest the ledger records, " +
        "or, marked as not anchored on-chain, the operator's config or the coordinator's store.",
    },

    { kind: "heading", level: 2, text: "1. Intended purpose" },
    { kind: "paragraph", text: model.purpose },
    {
      kind: "fields",
      rows: [
        ["Provider", orDash(model.provider)],
        ["Contact", orDash(model.contact)],
        ["Limitations", orDash(model.limitations)],
        ["Declared in", model.declaredIn === null ? "the default text (no coordinator config was given)" : describeEvidence(model.declaredIn)],
      ],
    },

    { kind: "heading", level: 2, text: "2. The model" },
    {
      kind: "fields",
      rows: [
        ["Version", model.round === 0 ? "the genesis model (no round recorded yet)" : `round ${model.round}'s aggregate`],
        ["Model hash", `${code(model.modelHash)} (SHA-256 of the canonically encoded weights)`],
        verifiedBy([model.evidence]),
        ["Architecture", `${model.architecture.inputs} inputs, ${model.architecture.classes} classes, ${model.architecture.parameters} parameters`],
        ["Released as", releasesOf(card, model.modelHash)],
        ["Model spec", json(model.architecture.spec)],
        ["Spec from", describeEvidence(model.architecture.evidence)],
        ["Genesis model", `${code(card.ledger.genesisModelHash)} (${describeEvidence(card.ledger.evidence)})`],
      ],
    },

    { kind: "heading", level: 2, text: "3. Data provenance: participants and their datasets (Annex IV 2(d))" },
    {
      kind: "paragraph",
      text:
        "Each participant registered a dataset commitment: the Merkle root over the SHA-256 hashes of its records, binding their number. " +
        "The data never left the institution; `fedledger prove` gives inclusion and exclusion proofs of a record against the commitment, and `fedledger verify-proof` checks them against the ledger. " +
        "The attestation is the digest of the consent or licence document the dataset is contributed under (the document stays with the institution).",
    },
    card.participants.length === 0
      ? { kind: "paragraph", text: "No participant is registered." }
      : {
          kind: "table",
          headers: ["Participant", "Status", "Dataset commitment", "Records", "Attestation", "Rounds", "Registered", "Verified by"],
          rows: card.participants.map((p) => [
            code(p.address),
            p.status,
            code(p.datasetCommitment),
            String(p.datasetSize),
            p.attestationDigest === null ? "none recorded" : code(p.attestationDigest),
            String(p.roundsContributed),
            p.registeredAt,
            [p.registration, p.state].filter((e) => e !== null).map(describeEvidence).join(";\n"),
          ]),
        },

    { kind: "heading", level: 2, text: "4. Training process" },
    {
      kind: "fields",
      rows: [
        ["Rounds recorded", training.roundsPlanned === null ? String(training.roundsRecorded) : `${training.roundsRecorded} of ${training.roundsPlanned} planned`],
        ["Aggregation strategy", json(training.settings.strategy)],
        ["Contribution scorer", json(training.settings.scorer)],
        ["Local training hyperparameters", training.settings.training === null ? "not recorded (give the coordinator config with --config)" : json(training.settings.training)],
        ["Safety net", training.settings.safety === null ? "not recorded (give the coordinator config with --config)" : json(training.settings.safety)],
        verifiedBy(training.evidence),
        ["Rounds with other settings", training.roundsWithOtherSettings.length === 0 ? "none" : training.roundsWithOtherSettings.join(", ")],
      ],
    },

    { kind: "heading", level: 2, text: "5. Validation data and metrics (Annex IV 2(g))" },
    validation.data === null
      ? { kind: "paragraph", text: "The coordinator had no evaluation data: no candidate model was validated, and contributions were scored by sample counts." }
      : {
          kind: "fields",
          rows: [
            ["Evaluation data commitment", `${code(validation.data.fingerprint)} over ${validation.data.numSamples} records (order digest ${code(validation.data.recordsDigest)})`],
            ["Chosen as", validation.data.settings === null ? "given in memory (no dataset file)" : json(validation.data.settings)],
            verifiedBy(validation.evidence),
          ],
        },
    {
      kind: "table",
      headers: ["Round", "Accuracy", "Loss", "Verified by"],
      rows: card.rounds.map((r) => [String(r.round), metricCell(r.metrics, "accuracy"), metricCell(r.metrics, "loss"), r.metricsEvidence === null ? "not recorded" : describeEvidence(r.metricsEvidence)]),
    },

    { kind: "heading", level: 2, text: "6. Rounds" },
    ...(card.rounds.length === 0 ? [{ kind: "paragraph", text: "No round is recorded yet." } as const] : card.rounds.flatMap(roundBlocks)),

    { kind: "heading", level: 2, text: "7. Lineage" },
    {
      kind: "paragraph",
      text: "Each round's base model is the previous round's aggregate, back to the genesis model: the ledger refuses any other.",
    },
    {
      kind: "table",
      headers: ["Round", "Model", "Base model", "Verified by"],
      rows: card.lineage.map((l) => [String(l.round), code(l.modelHash), l.baseModelHash === null ? "-" : code(l.baseModelHash), describeEvidence(l.evidence)]),
    },

    { kind: "heading", level: 2, text: "8. Releases and approvals" },
    {
      kind: "fields",
      rows: [
        ["Approvals a release needs", card.releases.threshold],
        ["Current release", card.releases.currentReleaseId ?? "none"],
        verifiedBy([card.releases.evidence]),
      ],
    },
    card.releases.items.length === 0
      ? { kind: "paragraph", text: "No release is recorded." }
      : {
          kind: "table",
          headers: ["Release", "Tag", "Round", "Model", "Report digest", "Approvers", "Status", "Verified by"],
          rows: card.releases.items.map((r) => [
            r.releaseId,
            r.tag,
            String(r.round),
            code(r.modelHash),
            code(r.reportDigest),
            r.approvers.map(code).join(", "),
            [
              r.status,
              ...(r.deprecation === null ? [] : [`deprecated by ${code(r.deprecation.approver)}: ${r.deprecation.reason}`]),
              ...r.rollbacks.map((b) => `rolled back to release ${b.toReleaseId} by ${code(b.approver)}: ${b.reason}`),
            ].join(";\n"),
            [r.evidence, ...(r.deprecation === null ? [] : [r.deprecation.evidence]), ...r.rollbacks.map((b) => b.evidence)].map(describeEvidence).join(";\n"),
          ]),
        },

    { kind: "heading", level: 2, text: "9. How to verify" },
    { kind: "list", items: card.verification.map((v) => `${v.claim}: ${code(v.command)}`) },
  ];
  return blocks;
}
