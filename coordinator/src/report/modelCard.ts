import type { Address, Hex } from "viem";

/*
 * The model card `fedledger-operator report` writes (model-card.json): the model's technical
 * documentation in the shape of the EU AI Act's Annex IV, built from the chain and the
 * coordinator's store. Every claim carries its Evidence: where a reader checks it.
 */

export const MODEL_CARD_FORMAT = "fedledger-model-card";
export const MODEL_CARD_VERSION = 1;

/** Where a claim is verified. Block numbers and amounts are decimal strings (JSON has no bigint). */
export type Evidence =
  /** A ledger event: the transaction that emitted it. */
  | { readonly kind: "event"; readonly event: string; readonly transactionHash: Hex; readonly blockNumber: string }
  /** A ledger view, read at a block. */
  | { readonly kind: "view"; readonly call: string; readonly blockNumber: string }
  /** A round's statement, signed by the coordinator, whose digest the round's RoundRecorded event holds. */
  | { readonly kind: "statement"; readonly round: number; readonly statementDigest: Hex; readonly signer: Address; readonly transactionHash: Hex; readonly blockNumber: string }
  /** A file of the coordinator's store: not anchored on-chain. */
  | { readonly kind: "store"; readonly file: string }
  /** The operator's declaration in the coordinator config: not anchored on-chain. */
  | { readonly kind: "config"; readonly file: string };

/** The event logged by the transaction `at`. */
export function eventEvidence(event: string, at: { readonly transactionHash: Hex; readonly blockNumber: bigint }): Evidence {
  return { kind: "event", event, transactionHash: at.transactionHash, blockNumber: at.blockNumber.toString() };
}

export type ParticipantEntry = {
  readonly address: Address;
  readonly status: string;
  readonly datasetCommitment: Hex;
  readonly datasetSize: number;
  /** The consent or licence attestation's digest registered with the commitment; null when the ledger records none. */
  readonly attestationDigest: Hex | null;
  /** ISO time of registration. */
  readonly registeredAt: string;
  readonly roundsContributed: number;
  /** The event that gave the ledger the current commitment; null when the scanned blocks do not hold it. */
  readonly registration: Evidence | null;
  readonly state: Evidence;
};

/** What a round's statement says, when the store holds it. */
export type RoundStatementStatus =
  | { readonly status: "verified"; readonly digest: Hex; readonly signer: Address }
  /** The store's statement with the digest the ledger recorded is missing, not validly signed, or says something else than the chain. */
  | { readonly status: "missing" | "invalid"; readonly digest: Hex; readonly detail: string };

export type RoundSettings = {
  readonly strategy: unknown;
  readonly scorer: unknown;
  readonly training: Record<string, unknown> | null;
  readonly safety: Record<string, unknown> | null;
};

export type RoundEntry = {
  readonly round: number;
  readonly baseModelHash: Hex;
  readonly aggregateModelHash: Hex;
  readonly updatesDigest: Hex;
  readonly budget: string;
  readonly statement: RoundStatementStatus;
  readonly updates: readonly { participant: Address; updateHash: Hex; numSamples: string; score: string }[];
  /** Acknowledged updates left out of the round, with the reason (an error code). */
  readonly refused: readonly { participant: Address; reason: string }[];
  readonly refusedEvidence: Evidence | null;
  /** Validation metrics of the round's aggregate (loss, accuracy) on the coordinator's evaluation data. */
  readonly metrics: Readonly<Record<string, number>> | null;
  readonly metricsEvidence: Evidence | null;
  /** The strategy, scorer and training settings the round ran with, from its statement; null without one. */
  readonly settings: RoundSettings | null;
  readonly evidence: Evidence;
};

export type ReleaseEntry = {
  readonly releaseId: string;
  readonly round: number;
  readonly modelHash: Hex;
  readonly tag: string;
  /** SHA-256 of the evaluation report the approvers signed. */
  readonly reportDigest: Hex;
  /** The approvers whose EIP-712 approvals the ledger verified. */
  readonly approvers: readonly Address[];
  /** current, deprecated, rolled-back or superseded. */
  readonly status: string;
  readonly evidence: Evidence;
  readonly deprecation: { readonly approver: Address; readonly reason: string; readonly evidence: Evidence } | null;
  readonly rollbacks: readonly { readonly toReleaseId: string; readonly approver: Address; readonly reason: string; readonly evidence: Evidence }[];
};

export type ReleasesSection = {
  /** Approvals a release needs now. */
  readonly threshold: string;
  /** The current release's id; null before any release. */
  readonly currentReleaseId: string | null;
  readonly items: readonly ReleaseEntry[];
  readonly evidence: Evidence;
};

export type ModelCard = {
  readonly format: typeof MODEL_CARD_FORMAT;
  readonly version: typeof MODEL_CARD_VERSION;
  readonly generatedAt: string;
  readonly ledger: { readonly chainId: number; readonly address: Address; readonly asOfBlock: string; readonly genesisModelHash: Hex; readonly evidence: Evidence };
  readonly model: {
    readonly name: string;
    readonly provider: string | null;
    readonly purpose: string;
    readonly limitations: string | null;
    readonly contact: string | null;
    /** Where the purpose was declared; null when no config was given (the default text). */
    readonly declaredIn: Evidence | null;
    /** The documented version: the newest recorded round (0: only the genesis model). */
    readonly round: number;
    readonly modelHash: Hex;
    readonly evidence: Evidence;
    readonly architecture: { readonly inputs: number; readonly classes: number; readonly parameters: number; readonly spec: unknown; readonly evidence: Evidence };
  };
  readonly participants: readonly ParticipantEntry[];
  readonly training: {
    readonly roundsRecorded: number;
    /** The config's `rounds.rounds`; null without the config. */
    readonly roundsPlanned: number | null;
    readonly settings: RoundSettings;
    readonly evidence: readonly Evidence[];
    /** Rounds whose statements name other settings than `settings` (the newest round's). */
    readonly roundsWithOtherSettings: readonly number[];
  };
  readonly validation: {
    /** The evaluation data: its commitment and size, and how it was chosen; null when the coordinator had none. */
    readonly data: { readonly fingerprint: Hex; readonly numSamples: number; readonly recordsDigest: Hex; readonly settings: unknown } | null;
    readonly evidence: readonly Evidence[];
  };
  readonly rounds: readonly RoundEntry[];
  readonly lineage: readonly { readonly round: number; readonly modelHash: Hex; readonly baseModelHash: Hex | null; readonly evidence: Evidence }[];
  readonly releases: ReleasesSection;
  readonly verification: readonly { readonly claim: string; readonly command: string }[];
};
