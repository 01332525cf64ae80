import type { Address, Hex } from "viem";
import {
  contentHash,
  decodeWeights,
  FedLedgerError,
  type LayerSpec,
  type LedgerDomainParameters,
  recoverUpdateSigner,
  type SubmitUpdate,
  type WeightDtype,
  type WeightsFrame,
} from "@fedledger/client-sdk";

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
};

/**
 * Checks one signed update, cheapest checks first, and everything the ledger will check
 * in its own terms (the sample count's range is the message schema's; the signature must
 * be canonical, see recoverUpdateSigner). Every refusal is a FedLedgerError whose code
 * goes back to the client: LATE_SUBMISSION, ROUND_NOT_OPEN, NOT_SELECTED, INVALID_PAYLOAD,
 * PAYLOAD_TOO_LARGE, HASH_MISMATCH, INVALID_SIGNATURE, DECODE_ERROR, SHAPE_MISMATCH,
 * NON_FINITE, NORM_EXCEEDED.
 */
export async function validateSubmission(parameters: {
  context: SubmissionContext;
  sender: Address;
  submission: SubmitUpdate;
  datasetCommitment: Hex;
  checkUpdate: (update: Float32Array[], norm: number) => string | undefined;
  now: number;
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
  const actualHash = await contentHash(s.update);
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
  const decoded = decodeWeights(s.update, ctx.layout);
  if (decoded.dtype !== ctx.dtype) {
    throw new FedLedgerError("INVALID_PAYLOAD", `This round takes ${ctx.dtype} updates`, { details: `got ${decoded.dtype}` });
  }
  const { norm } = decoded;
  const refusal = parameters.checkUpdate(decoded.weights, norm);
  if (refusal) throw new FedLedgerError("NORM_EXCEEDED", "The update is outside the strategy's bounds", { details: refusal });
  if (ctx.maxUpdateNorm !== undefined && norm > ctx.maxUpdateNorm) {
    throw new FedLedgerError("NORM_EXCEEDED", "The update's L2 norm exceeds the coordinator's bound", {
      details: `norm ${norm.toPrecision(6)} > ${ctx.maxUpdateNorm}`,
    });
  }
  return { norm, frame: { dtype: decoded.dtype, layers: decoded.layers } };
}
