import type { ErrorCode } from "../errors/codes.ts";
import type { FedLedgerError } from "../errors/FedLedgerError.ts";
import type { RoundEnd, Session } from "../protocol/messages.ts";

/** Events a participant client emits while it runs. */
export type ParticipantEvents = {
  session: [session: Session];
  "round:start": [round: { round: number; deadline: number; baseModelHash: `0x${string}` }];
  "round:progress": [progress: { round: number; epoch: number; epochs: number; loss: number; samplesPerSec: number }];
  "round:trained": [trained: { round: number; numSamples: number; seconds: number; metrics: Record<string, number> }];
  "round:submitted": [submitted: { round: number; updateHash: `0x${string}`; duplicate: boolean }];
  "round:end": [end: RoundEnd];
  /** This participant's acknowledged update was left out of the recorded round, and earns nothing: `code` says why. */
  "round:left-out": [leftOut: { round: number; code: ErrorCode }];
  /** The global model of round `round` (0: genesis) is kept in the participant's modelDir. */
  "model:kept": [kept: { round: number; modelHash: `0x${string}`; dir: string }];
  error: [error: FedLedgerError];
};
