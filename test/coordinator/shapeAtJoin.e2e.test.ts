import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import {
  type ClientToServerEvents,
  coordinatorOrigin,
  createDataset,
  createParticipant,
  type Dataset,
  encodeWeights,
  type FedLedgerError,
  initialWeights,
  type ModelSpec,
  type ServerToClientEvents,
  socketParser,
} from "@fedledger/client-sdk";
import { simpleCnnSpec } from "../../client-sdk/src/model/testSpecs.ts";
import {
  genesisHash,
  type Institution,
  institution,
  type LedgerHandle,
  startCoordinator,
  startLedger,
  TINY_SPEC,
  tinyLayout,
  tinySpec,
} from "../fixtures/coordinatorHarness.ts";

/** `count` samples of `featureShape` (values in [0, 1)), labels cycling through `classes`. */
function shapedData(featureShape: number[], classes: number, count = 8): Dataset {
  const size = featureShape.reduce((a, b) => a * b, 1);
  const features = Float32Array.from({ length: count * size }, (_, i) => (i % 97) / 97);
  const labels = Int32Array.from({ length: count }, (_, i) => i % classes);
  return createDataset({ features, labels, featureShape, numClasses: classes });
}

// Real coordinators on a real chain and real socket.io: a participant whose data does not
// fit the federation's model is told at login, from the model spec in its session, and
// leaves; no round is needed to find out.
describe("a data shape that does not fit the model is refused at join", () => {
  const members = [institution(1), institution(2), institution(3)];
  let ledger: LedgerHandle;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    ledger = await startLedger({ institutions: members });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await ledger?.chain.close();
  });

  async function coordinatorFor(spec: unknown) {
    const { coordinator, url, config } = await startCoordinator(ledger, { model: { spec: spec as ModelSpec, seed: 0 } });
    closers.push(() => coordinator.close());
    return { url, spec: config.model.spec, domain: coordinator.domain };
  }

  /** Joins with `data`; resolves with the session or the refusal, and whether any round reached the participant. */
  async function join(target: { url: string; domain: { chainId: number; ledger: `0x${string}` } }, member: Institution, data: Dataset) {
    const participant = createParticipant({ coordinatorUrl: target.url, ...target.domain, account: member.account, data, datasetCommitment: member.commitment });
    closers.push(() => participant.stop());
    let roundsStarted = 0;
    participant.events.on("round:start", () => (roundsStarted += 1));
    const errors: FedLedgerError[] = [];
    participant.events.on("error", (e) => errors.push(e));
    const outcome = await participant.start().then(
      (session) => ({ session, refusal: undefined }),
      (refusal: FedLedgerError) => ({ session: undefined, refusal }),
    );
    return { ...outcome, errors, roundsStarted, connected: participant.connected };
  }

  it("names the data's and the model's shapes, before any round, and disconnects", async () => {
    const tiny = await coordinatorFor(TINY_SPEC);
    const [alice, bob] = members as [Institution, Institution];
    // The same 4 values per sample as the model's input, in a 2×2 layout.
    const refused = await join(tiny, bob, { ...bob.data, featureShape: [2, 2] });
    expect(refused.session).toBeUndefined();
    expect(refused.refusal).toMatchObject({ name: "FedLedgerError", code: "SHAPE_MISMATCH" });
    expect(refused.refusal?.shortMessage).toContain("[2,2]");
    expect(refused.refusal?.shortMessage).toContain("model input [4]");
    expect(refused.refusal?.shortMessage).toContain("both hold 4 values");
    expect(refused.errors.map((e) => e.code)).toEqual(["SHAPE_MISMATCH"]);
    expect(refused.roundsStarted).toBe(0);
    expect(refused.connected).toBe(false);

    // Data that fits logs in, and its session carries the spec the check used.
    const accepted = await join(tiny, alice, alice.data);
    expect(accepted.refusal).toBeUndefined();
    expect(accepted.session?.modelSpec).toEqual(tiny.spec);
  });

  it("feeds 28×28 images to a Conv2D with input [28,28,1], and refuses them flat", async () => {
    const cnn = await coordinatorFor(simpleCnnSpec());
    const [, bob, carol] = members as [Institution, Institution, Institution];
    const flat = await join(cnn, bob, shapedData([784], 10));
    expect(flat.refusal).toMatchObject({ code: "SHAPE_MISMATCH" });
    expect(flat.refusal?.shortMessage).toContain("[784]");
    expect(flat.refusal?.shortMessage).toContain("model input [28,28,1]");
    expect(flat.roundsStarted).toBe(0);
    // An IDX file's 28×28 images: the trailing channel axis is implied.
    expect((await join(cnn, carol, shapedData([28, 28], 10))).refusal).toBeUndefined();
  });

  it("an MLP takes 28×28 images through Flatten (inputShape [28,28]); a wrong feature count is refused", async () => {
    const mlp = await coordinatorFor({ kind: "mlp", inputShape: [28, 28], layers: [{ units: 10, activation: "softmax" }] });
    const [alice, bob, carol] = members as [Institution, Institution, Institution];
    expect((await join(mlp, alice, shapedData([28, 28], 10))).refusal).toBeUndefined();
    const cropped = await join(mlp, bob, shapedData([27, 27], 10));
    expect(cropped.refusal).toMatchObject({ code: "SHAPE_MISMATCH" });
    expect(cropped.refusal?.shortMessage).toContain("Feature shape [27,27] does not match the model input [28,28]");
    // More classes in the data than the model outputs: refused at login too.
    expect((await join(mlp, carol, shapedData([28, 28], 12, 12))).refusal).toMatchObject({ code: "SHAPE_MISMATCH" });
  });
});

describe("a session without the model spec (a coordinator of an earlier build)", () => {
  it("defers the check to the fit instruction, and refuses to train before the round starts", async () => {
    const domain = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const };
    const http = createServer();
    const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, { parser: socketParser, serveClient: false });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const model = encodeWeights(initialWeights(tinySpec, 0), tinyLayout);
    io.on("connection", (socket) => {
      socket.on("session:challenge", (ack) =>
        ack({ ok: true, data: { ...domain, coordinator: coordinatorOrigin(url), nonce: keccak256(toHex("n")), expiresAt: Date.now() + 60_000 } }),
      );
      socket.on("session:authenticate", async (_payload, ack) => {
        ack({ ok: true, data: { address: bob.account.address, ...domain } });
        const fit = { round: 1, baseModelHash: await genesisHash(), model, modelSpec: TINY_SPEC, trainConfig: { epochs: 1, batchSize: 16, learningRate: 0.1 } };
        socket.emit("round:fit", { ...fit, dtype: "f32", deadline: Date.now() + 60_000 }, () => {});
      });
    });
    const bob = institution(2);
    const participant = createParticipant({ coordinatorUrl: url, ...domain, account: bob.account, data: { ...bob.data, featureShape: [2, 2] }, datasetCommitment: bob.commitment });
    let roundsStarted = 0;
    participant.events.on("round:start", () => (roundsStarted += 1));
    const refused = once(participant.events, "error") as Promise<[FedLedgerError]>;
    const session = await participant.start();
    expect(session.modelSpec).toBeUndefined();
    const [error] = await refused;
    expect(error.code).toBe("SHAPE_MISMATCH");
    expect(error.shortMessage).toContain("Feature shape [2,2] does not match the model input [4]");
    expect(roundsStarted).toBe(0);
    await participant.stop();
    await io.close();
  });
});
