import type { ErrorCode } from "./codes.ts";

export type FedLedgerErrorParameters = {
  /** Extra context for logs and operators; never secret material. Cut to {@link MAX_DETAILS_LENGTH}. */
  details?: string;
  cause?: unknown;
};

/** Longest `details` an error carries: peers choose what ends up there, and it is logged. */
export const MAX_DETAILS_LENGTH = 1024;

/** `text` cut to `max` characters, saying how much was left out. */
export function boundedDetails(text: string, max = MAX_DETAILS_LENGTH): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

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
    const details = parameters.details === undefined ? undefined : boundedDetails(parameters.details);
    super(details ? `${shortMessage}\n\nDetails: ${details}` : shortMessage, {
      cause: parameters.cause,
    });
    this.code = code;
    this.shortMessage = shortMessage;
    this.details = details;
  }

  /** The form sent to a peer in an ack: code and short message, nothing internal. */
  toWire(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.shortMessage };
  }
}

export function isFedLedgerError(error: unknown, code?: ErrorCode): error is FedLedgerError {
  return error instanceof FedLedgerError && (code === undefined || error.code === code);
}
