import type { Address, Hex } from "viem";
import {
  FedLedgerError,
  type LayerSpec,
  layerSize,
  type LedgerDomainParameters,
  recoverUpdateSigner,
  type SubmitUpdate,
  type WeightDtype,
  type WeightsFrame,
} from "@fedledger/client-sdk";
import type { UpdateSummary } from "../strategies/Strategy.ts";
import { checkOnEventLoop, type UpdateCheckPool } from "./updateCheckPool.ts";

/** What a submission is checked against: the open round as the coordinator sees it. */
export type SubmissionContext = {
  round: number;
  baseModelHash: Hex;
  deadline: number;
  closed: boolean;
  selected: ReadonlySet<Address>;
  layout: readonly LayerSpec[];
  dtype: WeightDtype;
  domain: LedgerDomainParameters;
  maxUpdateBytes: number;
  /** Absolute bound on the update's L2 norm (config `safety.maxUpdateNorm`); none if undefined. */
  maxUpdateNorm: number | undefined;
};

export type ValidatedSubmission = {
  /** L2 norm of the update (updateNorm of the decoded values, computed in the decoding pass). */
  norm: number;
  /** Where the layers' data lie in the signed bytes: the aggregator reads them there. */
  frame: WeightsFrame;
  /** The signed bytes to keep: the submission's own view is detached if a worker checked them. */
  bytes: Uint8Array;
  /** Whether a worker thread hashed and measured them. */
  offloaded: boolean;
};

/**
 * Checks one signed update, cheapest checks first, and everything the ledger will check
 * in its own terms (the sample count's range is the message schema's; the signature must
 * be canonical, see recoverUpdateSigner). Every refusal is a FedLedgerError whose code
 * goes back to the client: LATE_SUBMISSION, ROUND_NOT_OPEN, NOT_SELECTED, INVALID_PAYLOAD,
 * PAYLOAD_TOO_LARGE, HASH_MISMATCH, INVALID_SIGNATURE, DECODE_ERROR, SHAPE_MISMATCH,
 * NON_FINITE, NORM_EXCEEDED.
 *
 * The hash and the measurement of a large update run together on `pool`'s worker (on the
 * event loop without one), but refusals keep that order: a wrong hash first, then the
 * signature, then what the measurement found.
 */
export async function validateSubmission(parameters: {
  context: SubmissionContext;
  sender: Address;
  submission: SubmitUpdate;
  datasetCommitment: Hex;
  checkUpdate: (update: UpdateSummary) => string | undefined;
  now: number;
  /** Where large updates are hashed and measured; absent: on the event loop. */
  pool?: UpdateCheckPool | undefined;
}): Promise<ValidatedSubmission> {
  const { context: ctx, sender, submission: s } = parameters;
  if (s.round < ctx.round) {
    throw new FedLedgerError("LATE_SUBMISSION", `Round ${s.round} is over`, { details: `current round is ${ctx.round}` });
  }
  if (s.round > ctx.round) throw new FedLedgerError("ROUND_NOT_OPEN", `Round ${s.round} is not open`);
  if (ctx.closed || parameters.now > ctx.deadline) {
    throw new FedLedgerError("LATE_SUBMISSION", `The deadline of round ${ctx.round} has passed`);
  }
  if (!ctx.selected.has(sender)) throw new FedLedgerError("NOT_SELECTED", `${sender} is not selected for round ${ctx.round}`);
  if (s.baseModelHash.toLowerCase() !== ctx.baseModelHash.toLowerCase()) {
    throw new FedLedgerError("INVALID_PAYLOAD", "The update is not based on this round's global model", {
      details: `expected base ${ctx.baseModelHash}`,
    });
  }
  if (s.update.byteLength > ctx.maxUpdateBytes) {
    throw new FedLedgerError("PAYLOAD_TOO_LARGE", "The update is larger than this model allows", {
      details: `${s.update.byteLength} bytes > ${ctx.maxUpdateBytes}`,
    });
  }
  const checked = parameters.pool ? await parameters.pool.check(s.update, ctx.layout) : await checkOnEventLoop(s.update, ctx.layout);
  const actualHash = checked.hash;
  if (actualHash.toLowerCase() !== s.updateHash.toLowerCase()) {
    throw new FedLedgerError("HASH_MISMATCH", "The update does not match its hash", { details: `sha256 is ${actualHash}` });
  }
  const signer = await recoverUpdateSigner(ctx.domain, {
    round: BigInt(s.round),
    baseModelHash: s.baseModelHash,
    updateHash: s.updateHash,
    numSamples: BigInt(s.numSamples),
    datasetCommitment: parameters.datasetCommitment,
  }, s.signature);
  if (signer.toLowerCase() !== sender.toLowerCase()) {
    throw new FedLedgerError("INVALID_SIGNATURE", "The signature is not the sender's over this round's update", {
      details: `recovered ${signer}`,
    });
  }
  // Measured in place: the values are read back from the stored object when aggregating.
  const decoded = checked.measure();
  if (decoded.dtype !== ctx.dtype) {
    throw new FedLedgerError("INVALID_PAYLOAD", `This round takes ${ctx.dtype} updates`, { details: `got ${decoded.dtype}` });
  }
  const { norm } = decoded;
  const refusal = parameters.checkUpdate({ norm, layerSizes: ctx.layout.map(layerSize) });
  if (refusal) throw new FedLedgerError("NORM_EXCEEDED", "The update is outside the strategy's bounds", { details: refusal });
  if (ctx.maxUpdateNorm !== undefined && norm > ctx.maxUpdateNorm) {
    throw new FedLedgerError("NORM_EXCEEDED", "The update's L2 norm exceeds the coordinator's bound", {
      details: `norm ${norm.toPrecision(6)} > ${ctx.maxUpdateNorm}`,
    });
  }
  return { norm, frame: { dtype: decoded.dtype, layers: decoded.layers }, bytes: checked.bytes, offloaded: checked.offloaded };
}
