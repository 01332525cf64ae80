import type { ErrorCode } from "../errors/codes.ts";
import type { FedLedgerError } from "../errors/FedLedgerError.ts";
import type { FederationFinished, RoundEnd, Session } from "../protocol/messages.ts";

/** Events a participant client emits while it runs. */
export type ParticipantEvents = {
  session: [session: Session];
  "round:start": [round: { round: number; deadline: number; baseModelHash: `0x${string}` }];
  /** Local training's progress: `batch` of `batches` done in `epoch` of `epochs` (as trainLocal reports it). */
  "round:progress": [progress: { round: number; epoch: number; epochs: number; batch: number; batches: number; loss: number; samplesPerSec: number }];
  "round:trained": [trained: { round: number; numSamples: number; seconds: number; metrics: Record<string, number> }];
  "round:submitted": [submitted: { round: number; updateHash: `0x${string}`; duplicate: boolean }];
  "round:end": [end: RoundEnd];
  /** This participant's acknowledged update was left out of the recorded round, and earns nothing: `code` says why. */
  "round:left-out": [leftOut: { round: number; code: ErrorCode }];
  /** The global model of round `round` (0: genesis) is kept in the participant's modelDir. */
  "model:kept": [kept: { round: number; modelHash: `0x${string}`; dir: string }];
  /** The connection to the coordinator was lost (`reason` from socket.io); it is dialled again. */
  "connection:lost": [lost: { reason: string }];
  /** Dialling the coordinator again: `attempt` counts from 1 since the last successful login. */
  "connection:retry": [retry: { attempt: number }];
  /** The coordinator recorded its last round: training is over (emitted once the last model is kept). */
  "federation:finished": [finished: FederationFinished];
  error: [error: FedLedgerError];
};
