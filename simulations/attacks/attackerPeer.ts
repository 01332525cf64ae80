import type { Hex, LocalAccount } from "viem";
import { type Ack, decodeWeights, type LayerSpec, messages, parseTrainConfig, type SubmitReceipt, type Weights } from "@fedledger/client-sdk";
import { connectRawClient, craftSubmission } from "../../test/fixtures/rawClient.ts";
import type { Behaviour, Crafted } from "./attackBehaviour.ts";

export type AttackerPeer = {
  readonly address: Hex;
  /** Error codes of the coordinator's refusals, in order. */
  readonly refusals: readonly string[];
  close(): void;
};

export type StartAttackerPeerParameters = {
  url: string;
  account: LocalAccount;
  /** The commitment registered for this identity (signed into every update). */
  commitment: Hex;
  layout: readonly LayerSpec[];
  behaviour: Behaviour;
  /** A failure to answer a fit (the round then waits for its deadline). */
  onError?: (error: unknown) => void;
};

/**
 * An attacking participant on the real wire: a raw socket.io peer (the adversarial tests'
 * rawClient) that logs in with an EIP-712 login signed by its own key, and answers every
 * fit instruction with a signed update its behaviour crafts. A refused count is retried
 * with the next one the behaviour offers. The same round (a retried attempt) gets the same
 * bytes again, as an honest SDK participant resubmits its signed update.
 */
export async function startAttackerPeer(p: StartAttackerPeerParameters): Promise<AttackerPeer> {
  const client = await connectRawClient(p.url, p.account);
  const login = await client.authenticate();
  if (!login.ok) {
    client.close();
    throw new Error(`attacker ${p.account.address} could not log in: ${login.error.code}`);
  }
  const refusals: string[] = [];
  const globals = new Map<number, Weights>();
  const crafted = new Map<string, Promise<Crafted>>();

  const submit = async (payload: unknown): Promise<Ack<SubmitReceipt>> => {
    try {
      return await client.submit(payload);
    } catch {
      // An ack lost to a timeout: the identical resend gets the original ack back.
      return client.submit(payload);
    }
  };

  const answer = async (raw: unknown) => {
    const fit = messages.fitInstructionSchema.parse(raw);
    const key = `${fit.round} ${fit.baseModelHash}`;
    let pending = crafted.get(key);
    if (!pending) {
      const global = decodeWeights(fit.model, p.layout).weights;
      globals.set(fit.round, global);
      pending = p.behaviour({ round: fit.round, global, previousGlobal: globals.get(fit.round - 1), trainConfig: parseTrainConfig(fit.trainConfig) });
      crafted.set(key, pending);
    }
    const { update, counts } = await pending;
    for (const numSamples of counts) {
      const submission = await craftSubmission({ account: p.account, session: client.session, fit, layout: p.layout, update, commitment: p.commitment, numSamples });
      const ack = await submit(submission);
      if (ack.ok) return;
      refusals.push(ack.error.code);
    }
  };

  client.socket.on("round:fit", (raw: unknown) => {
    void answer(raw).catch((error: unknown) => p.onError?.(error));
  });
  return { address: p.account.address, refusals, close: client.close };
}
