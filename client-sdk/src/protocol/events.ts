import type { Ack, Challenge, FitInstruction, RoundEnd, Session, SubmitReceipt, SubmitUpdate } from "./messages.ts";

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

/** Events clients emit to the coordinator; every one is acknowledged. */
export interface ClientToServerEvents {
  /** Asks for a fresh challenge to sign. */
  "session:challenge": (ack: (response: Ack<Challenge>) => void) => void;
  /** Proves control of the handshake address by signing the challenge (EIP-191). */
  "session:authenticate": (payload: { signature: `0x${string}` }, ack: (response: Ack<Session>) => void) => void;
  /** Submits a signed update. Acknowledged only after it is stored durably. */
  "round:submit": (payload: SubmitUpdate, ack: (response: Ack<SubmitReceipt>) => void) => void;
}

export const EVENTS = {
  fit: "round:fit",
  roundEnd: "round:end",
  challenge: "session:challenge",
  authenticate: "session:authenticate",
  submit: "round:submit",
} as const satisfies Record<string, keyof ServerToClientEvents | keyof ClientToServerEvents>;
