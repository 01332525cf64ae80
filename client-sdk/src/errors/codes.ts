/**
 * The closed set of error codes fedledger components exchange. A coordinator sends
 * these on the wire in `{ ok: false, error: { code, message } }` acks; SDK functions
 * throw {@link FedLedgerError} carrying one of them.
 */
export const ERROR_CODES = [
  "PROTOCOL_VERSION_MISMATCH",
  "UNAUTHENTICATED",
  "NOT_REGISTERED",
  "NOT_SELECTED",
  "ROUND_NOT_OPEN",
  "INVALID_PAYLOAD",
  "INVALID_SIGNATURE",
  "CHALLENGE_MISMATCH",
  "SESSION_ACTIVE",
  "RATE_LIMITED",
  "HASH_MISMATCH",
  "DECODE_ERROR",
  "SHAPE_MISMATCH",
  "NON_FINITE",
  "NORM_EXCEEDED",
  "VALIDATION_FAILED",
  "REJECTED_BY_STRATEGY",
  "COPIED_UPDATE",
  "REPLAYED_UPDATE",
  "NO_VALIDATED_GAIN",
  "PAYLOAD_TOO_LARGE",
  "LATE_SUBMISSION",
  "DUPLICATE_SUBMISSION",
  "INVALID_DATASET",
  "INVALID_PROOF",
  "INVALID_CONFIG",
  "KEY_ERROR",
  "CHAIN_ERROR",
  /** An account lacks the ledger role (named, e.g. COORDINATOR_ROLE) that what it is about to do needs. */
  "MISSING_ROLE",
  /** The ledger's funding not yet credited does not cover one round's budget. */
  "LEDGER_UNDERFUNDED",
  /** A model whose hash no recorded round (nor the genesis) names. */
  "MODEL_NOT_RECORDED",
  /** An audit re-derived an aggregate or a score that differs from the chain's. */
  "AUDIT_MISMATCH",
  /** An audit cannot re-derive what a round used (a strategy or scorer it does not implement). */
  "AUDIT_UNSUPPORTED",
  /** A content-addressed object (a model or an update) is not where it should be. */
  "OBJECT_NOT_FOUND",
  /** A model release that the ledger does not record as claimed (an exported release file that differs from the chain). */
  "RELEASE_NOT_RECORDED",
  /** The coordinator's hash-chained event log fails verification: an entry edited, dropped, reordered or torn. */
  "EVENT_LOG_CORRUPT",
  "TRAINING_ERROR",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ERROR_CODES as readonly string[]).includes(value);
}
