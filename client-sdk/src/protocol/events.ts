import type { Ack, Authenticate, Challenge, FitInstruction, RoundEnd, Session, SubmitReceipt, SubmitUpdate } from "./messages.ts";

/** Events the coordinator emits to clients. */
export interface ServerToClientEvents {
  /**
   * Round `round` starts: train on the enclosed global model and submit before the
   * deadline. The client acknowledges receipt at once (before training); the
   * coordinator waits for that ack with a per-socket deadline.
   */
  "round:fit": (instruction: FitInstruction, ack: (received: boolean) => void) => void;
  /** Round `round` ended, recorded on-chain or aborted. */
  "round:end": (end: RoundEnd) => void;
}

/** Events clients emit to the coordinator; every one is acknowledged, and every one counts against the socket's rate limit. */
export interface ClientToServerEvents {
  /** Asks for a fresh login challenge (chain, ledger, coordinator origin, nonce, expiry). */
  "session:challenge": (ack: (response: Ack<Challenge>) => void) => void;
  /**
   * Proves control of the handshake address: an EIP-712 `Login` signature over the
   * latest challenge, in the participant's own ledger domain, with its handshake clientId.
   */
  "session:authenticate": (payload: Authenticate, ack: (response: Ack<Session>) => void) => void;
  /** Submits a signed update. Acknowledged only after it is stored durably. */
  "round:submit": (payload: SubmitUpdate, ack: (response: Ack<SubmitReceipt>) => void) => void;
}

/**
 * How many payload arguments each client event carries before its ack. An event with
 * another count is refused with INVALID_PAYLOAD (socket.io always passes the ack last).
 */
export const CLIENT_EVENT_PAYLOADS = {
  "session:challenge": 0,
  "session:authenticate": 1,
  "round:submit": 1,
} as const satisfies Record<keyof ClientToServerEvents, number>;

export const EVENTS = {
  fit: "round:fit",
  roundEnd: "round:end",
  challenge: "session:challenge",
  authenticate: "session:authenticate",
  submit: "round:submit",
} as const satisfies Record<string, keyof ServerToClientEvents | keyof ClientToServerEvents>;
