import type { ErrorCode } from "./codes.ts";

export type FedLedgerErrorParameters = {
  /** Extra context for logs and operators; never secret material. */
  details?: string;
  cause?: unknown;
};

/**
 * The one error class of fedledger. Callers branch on `code`, never on message text.
 * `shortMessage` is the human sentence; `message` adds `details` when present.
 */
export class FedLedgerError extends Error {
  override name = "FedLedgerError";
  readonly code: ErrorCode;
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(code: ErrorCode, shortMessage: string, parameters: FedLedgerErrorParameters = {}) {
    super(parameters.details ? `${shortMessage}\n\nDetails: ${parameters.details}` : shortMessage, {
      cause: parameters.cause,
    });
    this.code = code;
    this.shortMessage = shortMessage;
    this.details = parameters.details;
  }

  /** The form sent to a peer in an ack: code and short message, nothing internal. */
  toWire(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.shortMessage };
  }
}

export function isFedLedgerError(error: unknown, code?: ErrorCode): error is FedLedgerError {
  return error instanceof FedLedgerError && (code === undefined || error.code === code);
}
