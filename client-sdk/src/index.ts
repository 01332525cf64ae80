// Public surface of @fedledger/client-sdk. Listed explicitly: nothing is exported by
// accident. Local training (TensorFlow.js) is the separate entry
// `@fedledger/client-sdk/training`; this one never loads TensorFlow.js.

// Errors
export { ERROR_CODES, type ErrorCode, isErrorCode } from "./errors/codes.ts";
export {
  boundedDetails,
  FedLedgerError,
  type FedLedgerErrorParameters,
  isFedLedgerError,
  MAX_DETAILS_LENGTH,
} from "./errors/FedLedgerError.ts";

// Protocol
export { PROTOCOL_VERSION } from "./protocol/version.ts";
export {
  LEDGER_EIP712_NAME,
  LEDGER_EIP712_VERSION,
  type LedgerDomainParameters,
  ledgerDomain,
  LOGIN_PRIMARY_TYPE,
  LOGIN_TYPES,
  type LoginMessage,
  loginTypedData,
  MAX_RELEASE_TAG_BYTES,
  RELEASE_APPROVAL_PRIMARY_TYPE,
  RELEASE_APPROVAL_TYPEHASH,
  RELEASE_APPROVAL_TYPES,
  releaseApprovalDigest,
  type ReleaseApprovalMessage,
  releaseApprovalTypedData,
  UPDATE_PRIMARY_TYPE,
  UPDATE_TYPEHASH,
  UPDATE_TYPES,
  type UpdateMessage,
  updateDigest,
  updateTypedData,
} from "./protocol/eip712.ts";
export {
  normalizeSignature,
  parseCanonicalSignature,
  recoverUpdateSigner,
  SECP256K1_HALF_ORDER,
  signUpdate,
  toCompactSignature,
} from "./protocol/signing.ts";
export { isValidSampleCount, MAX_NUM_SAMPLES } from "./protocol/sampleCount.ts";
export { isValidDatasetSize, MAX_DATASET_SIZE } from "./protocol/datasetSize.ts";
export { coordinatorOrigin, recoverLoginSigner, signLogin } from "./protocol/login.ts";
export { contributionLedgerAbi } from "./protocol/ledgerAbi.ts";
export {
  approvalMessage,
  checkReleaseTag,
  MAX_APPROVAL_SIGNATURE_BYTES,
  parseReleaseApprovalFile,
  RELEASE_APPROVAL_FILE_TYPE,
  type ReleaseApprovalFile,
  releaseApprovalFileSchema,
  signReleaseApproval,
} from "./protocol/releaseApproval.ts";
export {
  assertWeightsMatchLayout,
  type LayerSpec,
  layerSize,
  parameterCount,
  type Weights,
} from "./protocol/encoding/layout.ts";
export { dequantizeLayer, type QuantizedLayer, quantizeLayer } from "./protocol/encoding/quantize.ts";
export {
  type DecodedWeights,
  decodeWeights,
  measureWeights,
  type MeasuredWeights,
  encodeWeights,
  type LayerLocation,
  parseWeightsFrame,
  type WeightsFrame,
  WEIGHT_DTYPES,
  type WeightDtype,
  WEIGHTS_FORMAT_VERSION,
  WEIGHTS_MAGIC,
} from "./protocol/encoding/weightsCodec.ts";
export { contentHash, contentHashSync, createContentHasher } from "./protocol/hashing/contentHash.ts";
export * as messages from "./protocol/messages.ts";
export type {
  Ack,
  Authenticate,
  Challenge,
  ErrorPayload,
  FederationFinished,
  FitInstruction,
  Handshake,
  ModelRequest,
  RecordedModel,
  RoundEnd,
  Session,
  SubmitReceipt,
  SubmitUpdate,
} from "./protocol/messages.ts";
export { CLIENT_EVENT_PAYLOADS, type ClientToServerEvents, EVENTS, type ServerToClientEvents } from "./protocol/events.ts";

// Identity
export { encryptKeystore, type KeySource, loadAccount, loadPrivateKey } from "./identity/loadAccount.ts";
export { createKeystoreFile, type CreateKeystoreFileParameters } from "./identity/createKeystoreFile.ts";
export { KEYSTORE_PASSPHRASE_ENV } from "./cli/resolveKeySource.ts";
export { formatKeyNew, KEY_NEW_HELP, keyNewCommand, type KeyNewResult } from "./cli/commands/keyNew.ts";

// Data
export {
  createDataset,
  type CreateDatasetParameters,
  type Dataset,
  featureSize,
  shuffleDataset,
  subsetDataset,
} from "./data/Dataset.ts";
export { loadIdxDataset, type LoadIdxDatasetOptions } from "./data/loadIdx.ts";
export { type CsvDataset, loadCsvDataset, type LoadCsvDatasetOptions } from "./data/loadCsv.ts";
export { loadMnistDigits, MNIST_DIGIT_SIZE, MNIST_DIGITS_COUNT } from "./data/loadMnistDigits.ts";
export { dirichletSplit, type DirichletSplitOptions } from "./data/splitDirichlet.ts";
export { labelCountSplit, type LabelCountSplitOptions } from "./data/splitLabelCount.ts";
export { trainTestSplit, type TrainTestSplitOptions } from "./data/trainTestSplit.ts";
export { holdOut } from "./data/holdOut.ts";
export { type CsvSpecOptions, csvSpecOptions, DATASET_SPEC_FORMS, type DatasetSpec, describeDatasetSpec, parseDatasetSpec } from "./cli/parseDatasetSpec.ts";
export { loadDatasetSpec } from "./cli/loadDatasetSpec.ts";

// Dataset commitments
export { datasetRecordHashes, encodeRecord, recordHash } from "./dataset/recordHash.ts";
export { EMPTY_DATASET_ROOT } from "./dataset/merkleHash.ts";
export { buildMerkleTree, datasetFingerprint, type MerkleTree } from "./dataset/merkle.ts";
export {
  type InclusionProof,
  type NonInclusionProof,
  proveInclusion,
  proveNonInclusion,
  verifyInclusion,
  verifyNonInclusion,
} from "./dataset/proofs.ts";
export {
  checkDatasetProof,
  createDatasetProof,
  DATASET_PROOF_FORMAT,
  DATASET_PROOF_VERSION,
  type DatasetProof,
  type DatasetProofCheck,
  type DatasetProofKind,
  parseDatasetProof,
} from "./dataset/proofFile.ts";

// Models (topology, layout, genesis weights; no TensorFlow.js)
export {
  type ModelSpec,
  modelSpecSchema,
  parseModelSpec,
  layerLayout,
  inputSize,
  numClasses,
} from "./training/modelSpec.ts";
export { initialWeights } from "./training/initialWeights.ts";
export { parseTrainConfig, type TrainConfig, type TrainConfigInput, trainConfigSchema } from "./training/trainConfig.ts";
export { checkTrainingData, type TrainingData } from "./training/trainingData.ts";

// socket.io wire parser (install on both ends)
export { socketParser } from "./protocol/socketParser.ts";

// Participant runtime
export { createParticipant, type Participant, type ParticipantOptions } from "./client/createParticipant.ts";
export type { ParticipantEvents } from "./client/participantEvents.ts";

// Model files: a participant's local copy, exported TensorFlow.js directories, a
// coordinator's store (writing and loading an export needs TensorFlow.js: the training entry)
export { LOCAL_MODEL_FILE, type LocalModelCopy, readLocalModelCopy, writeLocalModelCopy } from "./modelFiles/localModelCopy.ts";
export { EXPORT_METADATA_KEY, type ExportMetadata, exportMetadataSchema, MODEL_JSON_FILE, type ModelJson, WEIGHTS_FILE } from "./modelFiles/exportedModelFormat.ts";
export { type CanonicalModel, canonicalModel, type ModelDirectory, readExportedModel, readModelDirectory } from "./modelFiles/readExportedModel.ts";
export {
  contentObjectPath,
  readJsonFile,
  readStoredObject,
  STORE_AUDIT_CONFIG_FILE,
  STORE_EVENT_LOG_FILE,
  STORE_MODEL_SPEC_FILE,
  STORE_OBJECTS_DIR,
  STORE_STATEMENTS_DIR,
} from "./modelFiles/coordinatorStore.ts";
export { writeFileAtomically } from "./modelFiles/writeFileAtomically.ts";

// Audit
export { type ClipBound, rederiveAggregate, type RecordedUpdate } from "./audit/rederiveAggregate.ts";
export { rederiveScores } from "./audit/rederiveScores.ts";
export {
  AUDIT_CONFIG_VERSION,
  type AuditConfig,
  auditConfigSchema,
  checkEvaluationData,
  createAuditConfig,
  type EvaluationDigest,
  evaluationDigest,
  type EvaluationSettings,
  type NamedConfig,
  parseAuditConfig,
} from "./audit/auditConfig.ts";
export {
  AUDIT_BUNDLE_FORMAT,
  AUDIT_BUNDLE_VERSION,
  type AuditBundle,
  auditBundleSchema,
  bundledObjects,
  type BundledRound,
  decodeAuditBundle,
  encodeAuditBundle,
  readAuditBundle,
} from "./audit/auditBundle.ts";
export { type Auditable, auditableAggregation, auditableScoring } from "./audit/auditMethods.ts";
export { type AuditCheck, auditRound, type AuditRoundParameters, type RoundAudit } from "./audit/auditRound.ts";
export {
  type ContributionScores,
  contributionScores,
  type ContributionScoresParameters,
  type DeltaReader,
  SCORE_SCALE,
  type ScoredUpdate,
  type ScoringMethod,
} from "./audit/contributionScores.ts";
export { type CoalitionGame, createCoalitionGame, grandCoalition, type Player } from "./audit/coalitionGame.ts";
export { capPlayerNorms, deltaNorm, upperMedian } from "./audit/capPlayerNorms.ts";
export { exactShapley, MAX_EXACT_SHAPLEY_PLAYERS } from "./audit/exactShapley.ts";
export { leaveOneOut } from "./audit/leaveOneOut.ts";
export { monteCarloShapley, type MonteCarloShapleyOptions, type MonteCarloShapleyResult } from "./audit/monteCarloShapley.ts";
export { createValidationUtility, MAX_VALIDATION_LOSS, type ValidationUtility } from "./audit/validationUtility.ts";

// Provenance: round statements (in-toto, DSSE-signed, digest on-chain) and the event log
export { canonicalDigest, canonicalJson, canonicalJsonBytes } from "./provenance/canonicalJson.ts";
export {
  createRoundStatement,
  decodeRoundStatement,
  encodeRoundStatement,
  IN_TOTO_STATEMENT_TYPE,
  ROUND_PREDICATE_TYPE,
  type RoundPredicate,
  type RoundStatement,
  type RoundStatementParameters,
  roundStatementDigest,
  roundStatementSchema,
} from "./provenance/roundStatement.ts";
export {
  decodeEnvelope,
  type DsseEnvelope,
  dsseEnvelopeSchema,
  encodeEnvelope,
  envelopeSigningHash,
  type HashSigner,
  IN_TOTO_PAYLOAD_TYPE,
  preAuthEncoding,
  signStatementEnvelope,
  type VerifiedEnvelope,
  verifyStatementEnvelope,
} from "./provenance/dsseEnvelope.ts";
export {
  EMPTY_EVENT_LOG_HEAD,
  EVENT_LOG_GENESIS_PREV,
  type EventLogData,
  type EventLogEntry,
  eventLogEntryHash,
  eventLogError,
  type EventLogHead,
  type EventLogProblem,
  type EventLogType,
  type EventLogVerification,
  nextEventLogEntry,
  verifyEventLog,
} from "./provenance/eventLog.ts";
export { readStoredEventLog, readStoredStatement, statementIndexEntry, statementIndexPath } from "./provenance/storedStatements.ts";
export { checkLogAnchor, checkRoundStatement, type SignerAuthority, type StatementCheck, type StatementCheckParameters } from "./provenance/verifyRoundStatement.ts";
export { coordinatorAuthority } from "./provenance/signerAuthority.ts";
// `fedledger audit --bundle` as a function (re-derivation and provenance, against the chain)
export { type AuditResult, auditBundle, type BundleAudit, type EventLogAudit, type RoundProvenanceAudit } from "./cli/commands/audit.ts";
export { auditReleases, type AuditReleasesParameters, readReleaseApprovals, type ReleaseApprovalEvidence, type ReleaseAudit } from "./audit/auditReleases.ts";
export { auditProofs, type BundledProof, type ProofAudit } from "./audit/auditProofs.ts";

// Chain reads and writes (straight to the ledger, never through the coordinator)
export { createLedgerReader, createLedgerWallet, describeRpcUrl, type LedgerReader, type LedgerWallet } from "./chain/ledgerClients.ts";
export type { BlockRange } from "./chain/blockRange.ts";
export { readParticipantStatus } from "./chain/readParticipantStatus.ts";
export { readRewards, roundReward, roundShare } from "./chain/readRewards.ts";
export { checkLedgerEndpoint, type LedgerEndpointLabels } from "./chain/checkLedgerEndpoint.ts";
export { claimRewards } from "./chain/claimRewards.ts";
export { readLineage } from "./chain/readLineage.ts";
export {
  type LedgerReleases,
  readReleases,
  type Release,
  type ReleaseDeprecation,
  type ReleaseRollback,
  releasesOfModel,
  type ReleaseStatus,
} from "./chain/readReleases.ts";
export { type PreparedRelease, prepareRelease, type PrepareReleaseParameters } from "./chain/prepareRelease.ts";
export { updateDatasetCommitment, type UpdateDatasetCommitmentParameters, type UpdateDatasetCommitmentResult } from "./chain/updateDatasetCommitment.ts";
export { readRecordedRounds, type RecordedRound } from "./chain/readRecordedRounds.ts";
export { type DatasetRegistration, readDatasetRegistrations } from "./chain/readDatasetRegistrations.ts";
export { readRewardToken, type RewardTokenInfo } from "./chain/readRewardToken.ts";
export { formatAmount } from "./cli/format/formatAmount.ts";
export { hashFile } from "./cli/hashFile.ts";
export { type AttestationOptions, describeAttestation, resolveAttestation } from "./cli/resolveAttestation.ts";

// The contributor dashboard (served by the coordinator at /dashboard, and by `fedledger dashboard`)
export {
  DASHBOARD_DATA_VERSION,
  type DashboardAmount,
  type DashboardData,
  type DashboardParticipant,
  type DashboardRound,
} from "./dashboard/dashboardData.ts";
export { readDashboardData, type ReadDashboardDataParameters } from "./dashboard/readDashboardData.ts";
export { boundRoundDetails, ROUND_DETAILS_LIMITS, type RoundDetails, type RoundDetailsSource, type RoundRefusal } from "./dashboard/roundDetails.ts";
export { bundleRoundDetails } from "./dashboard/bundleRoundDetails.ts";
export { createDashboardHandler, DASHBOARD_PATH, type DashboardHandler, type DashboardHandlerParameters } from "./dashboard/createDashboardHandler.ts";
export { type DashboardServer, startDashboardServer } from "./dashboard/startDashboardServer.ts";
