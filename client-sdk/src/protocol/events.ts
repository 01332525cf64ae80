import type { Ack, Authenticate, Challenge, FederationFinished, FitInstruction, ModelRequest, RecordedModel, RoundEnd, Session, SubmitReceipt, SubmitUpdate } from "./messages.ts";

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
  /** The last configured round is recorded: training is over, and the participant may leave. */
  "federation:finished": (finished: FederationFinished) => void;
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
  /**
   * Asks for a recorded global model by hash: the genesis model or a recorded round's
   * aggregate, never any other stored object (updates stay private). Authenticated
   * sockets only (UNAUTHENTICATED), one fetch at a time per socket (RATE_LIMITED), any
   * other hash is MODEL_NOT_RECORDED.
   */
  "model:fetch": (payload: ModelRequest, ack: (response: Ack<RecordedModel>) => void) => void;
}

/**
 * How many payload arguments each client event carries before its ack. An event with
 * another count is refused with INVALID_PAYLOAD (socket.io always passes the ack last).
 */
export const CLIENT_EVENT_PAYLOADS = {
  "session:challenge": 0,
  "session:authenticate": 1,
  "round:submit": 1,
  "model:fetch": 1,
} as const satisfies Record<keyof ClientToServerEvents, number>;

export const EVENTS = {
  fit: "round:fit",
  roundEnd: "round:end",
  finished: "federation:finished",
  challenge: "session:challenge",
  authenticate: "session:authenticate",
  submit: "round:submit",
  fetchModel: "model:fetch",
} as const satisfies Record<string, keyof ServerToClientEvents | keyof ClientToServerEvents>;
