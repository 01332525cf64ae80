// One process of the load benchmark's participants: connects and logs in clients
// [from, to), and answers each fit instruction with a pseudo-random update of the model's
// size, signed and submitted. Each client's update is filled and encoded once; every round
// rewrites the first ROUND_PATCH values in place, so updates stay distinct per client and
// round (as honest updates are) while the clients spend their CPU on what a real client
// also does per round: hashing, signing and sending. Reports to the parent over IPC: "ready" once every client is logged in, then
// one "ack" per submission. Started by load.ts with child_process.fork.
import type { Hex } from "viem";
import { type Ack, contentHash, encodeWeights, type LayerSpec, layerLayout, parseModelSpec, parseWeightsFrame, signUpdate, type SubmitReceipt } from "@fedledger/client-sdk";
import { connectRawClient, type RawClient } from "../../fixtures/rawClient.ts";
import { loadParticipant } from "./loadParticipant.ts";

export type LoadClientsJob = { url: string; from: number; to: number; spec: unknown; numSamples: number };
export type LoadClientsMessage =
  | { type: "ready" }
  | { type: "ack"; client: number; round: number; ok: boolean; code?: string }
  | { type: "failed"; message: string };

/** Deterministic small values (xorshift32), like the deltas of a local epoch. */
function fillUpdate(layers: Float32Array[], seed: number): void {
  let x = (seed * 2654435761) >>> 0 || 1;
  for (const layer of layers) {
    for (let k = 0; k < layer.length; k++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      layer[k] = ((x >>> 0) / 4294967296 - 0.5) * 2e-3;
    }
  }
}

/** Values of the first layer rewritten each round (at most the layer's size). */
const ROUND_PATCH = 4_096;

/** Client `client`'s encoded update, and a function that rewrites it in place for a round. */
function updateOf(client: number, layout: LayerSpec[], scratch: Float32Array[], dtype: "f32" | "i8"): { bytes: Uint8Array; forRound(round: number): void } {
  fillUpdate(scratch, client * 7919);
  const bytes = encodeWeights(scratch, layout, dtype);
  const first = parseWeightsFrame(bytes, layout).layers[0];
  if (dtype !== "f32" || !first) return { bytes, forRound: () => undefined };
  const count = Math.min(ROUND_PATCH, first.byteLength / 4);
  const patch = new Float32Array(count);
  const patchBytes = new Uint8Array(patch.buffer);
  return {
    bytes,
    forRound(round) {
      fillUpdate([patch], client * 7919 + round);
      bytes.set(patchBytes, first.byteOffset);
    },
  };
}

const SUBMIT_TIMEOUT_MS = 600_000;
const CONNECT_CONCURRENCY = 16;

async function main(job: LoadClientsJob): Promise<void> {
  const send = (message: LoadClientsMessage) => process.send?.(message);
  const layout: LayerSpec[] = layerLayout(parseModelSpec(job.spec));
  const scratch = layout.map((l) => new Float32Array(l.shape.reduce((a, b) => a * b, 1)));
  const clients: RawClient[] = [];
  let next = job.from;
  await Promise.all(
    Array.from({ length: CONNECT_CONCURRENCY }, async () => {
      while (next < job.to) {
        const i = next++;
        const { account, commitment } = loadParticipant(i);
        const raw = await connectRawClient(job.url, account);
        const login = await raw.authenticate();
        if (!login.ok) throw new Error(`client ${i} could not log in: ${login.error.code}`);
        let own: ReturnType<typeof updateOf> | undefined;
        raw.socket.on("round:fit", (fit) => {
          void (async () => {
            // The previous round's submission was acknowledged: its bytes can be rewritten.
            own ??= updateOf(i, layout, scratch, fit.dtype);
            own.forRound(fit.round);
            const update = own.bytes;
            const updateHash = await contentHash(update);
            const signature = await signUpdate(account, { chainId: raw.session.chainId, ledger: raw.session.ledger }, {
              round: BigInt(fit.round), baseModelHash: fit.baseModelHash, updateHash, numSamples: BigInt(job.numSamples), datasetCommitment: commitment,
            });
            const payload = { round: fit.round, baseModelHash: fit.baseModelHash as Hex, numSamples: job.numSamples, updateHash, update, signature };
            const ack = await (raw.socket.timeout(SUBMIT_TIMEOUT_MS).emitWithAck("round:submit", payload) as Promise<Ack<SubmitReceipt>>).catch(
              (error: unknown): Ack<SubmitReceipt> => ({ ok: false, error: { code: "INTERNAL", message: `no ack: ${String(error)}` } }),
            );
            send(ack.ok ? { type: "ack", client: i, round: fit.round, ok: true } : { type: "ack", client: i, round: fit.round, ok: false, code: ack.error.code });
          })();
        });
        let finished = false;
        raw.socket.on("federation:finished", () => (finished = true));
        raw.socket.on("disconnect", (reason) => {
          if (!finished && reason !== "io client disconnect") process.stderr.write(`load client ${i} disconnected: ${reason}\n`);
        });
        clients.push(raw);
      }
    }),
  );
  send({ type: "ready" });
  process.on("message", (message) => {
    if (message === "stop") {
      clients.forEach((c) => c.close());
      process.exit(0);
    }
  });
}

const job = JSON.parse(process.argv[2] ?? "{}") as LoadClientsJob;
main(job).catch((error: unknown) => {
  process.send?.({ type: "failed", message: String(error) } satisfies LoadClientsMessage);
  process.exit(1);
});
