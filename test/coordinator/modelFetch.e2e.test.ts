import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Hex, keccak256, toHex } from "viem";
import { contentHash, encodeWeights } from "@fedledger/client-sdk";
import type { FinishedRound } from "../../coordinator/src/rounds/finishRound.ts";
import { genesisHash, institution, tinyLayout } from "../fixtures/coordinatorHarness.ts";
import { type Federation, startFederation } from "../fixtures/federation.ts";
import { connectRawClient, constantUpdate, craftSubmission, type RawClient } from "../fixtures/rawClient.ts";

// `model:fetch` on a real chain, coordinator and socket.io peers, after one recorded round:
// recorded models are served to logged-in participants; an update, an unknown hash, a
// malformed request, a socket that has not logged in and a flood are refused, typed.
describe("model:fetch serves recorded models, and nothing else", () => {
  const [alice, bob, outsider] = [institution(1), institution(2), institution(9)];
  let f: Federation;
  let a: RawClient;
  let b: RawClient;
  let finished: FinishedRound[];
  let aliceUpdate: Hex;
  const code = (ack: { ok: boolean; error?: { code: string } }) => (ack.ok ? "ok" : ack.error?.code);
  const aggregate = () => finished[0]!.aggregateModelHash;

  beforeAll(async () => {
    f = await startFederation({
      institutions: [alice, bob],
      join: [alice, bob],
      overrides: {
        // 12 events per socket, then about none: login and submit spend 3.
        server: { port: 0, ackTimeoutMs: 5_000, submissionsPerMinute: 1, submissionBurst: 12, finalModelGraceMs: 60_000 },
        rounds: { rounds: 1, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 30_000, availabilityTimeoutMs: 30_000 },
      },
    });
    [a, b] = f.clients as [RawClient, RawClient];
    const run = f.coordinator.run();
    for (const [client, inst, value] of [[a, alice, 0.02], [b, bob, -0.01]] as const) {
      const fit = await client.nextFit(1);
      const submission = await craftSubmission({ account: inst.account, session: client.session, fit, layout: tinyLayout, update: constantUpdate(tinyLayout, value), commitment: inst.commitment });
      expect((await client.submit(submission)).ok).toBe(true);
      if (inst === alice) aliceUpdate = submission.updateHash;
    }
    finished = await run;
  });
  afterAll(() => f?.close());

  it("waits, after the last round, until every logged-in participant has fetched its model", async () => {
    let done = false;
    const waiting = f.coordinator.finalFetches(aggregate()).then(() => (done = true));
    expect(code(await a.fetchModel({ modelHash: aggregate() }))).toBe("ok");
    expect(done).toBe(false); // bob has not fetched it yet
    expect(code(await b.fetchModel({ modelHash: aggregate() }))).toBe("ok");
    await waiting;
  });

  it("serves the genesis model and the recorded aggregate, in the canonical encoding of their hash", async () => {
    const genesis = await a.fetchModel({ modelHash: await genesisHash() });
    expect(genesis).toMatchObject({ ok: true, data: { round: 0, modelHash: await genesisHash() } });
    if (genesis.ok) expect(await contentHash(genesis.data.model)).toBe(await genesisHash());
    const recorded = await a.fetchModel({ modelHash: aggregate().toUpperCase().replace("0X", "0x") });
    expect(recorded).toMatchObject({ ok: true, data: { round: 1, modelHash: aggregate() } });
    if (recorded.ok) expect(new Uint8Array(recorded.data.model)).toEqual(new Uint8Array(encodeWeights(finished[0]!.global, tinyLayout, "f32")));
  });

  it("refuses an update's hash and an unknown hash with MODEL_NOT_RECORDED, a malformed request with INVALID_PAYLOAD", async () => {
    expect(code(await b.fetchModel({ modelHash: aliceUpdate }))).toBe("MODEL_NOT_RECORDED");
    expect(code(await b.fetchModel({ modelHash: keccak256(toHex("no such model")) }))).toBe("MODEL_NOT_RECORDED");
    expect(code(await b.fetchModel({ modelHash: "0x12" }))).toBe("INVALID_PAYLOAD");
  });

  it("refuses a socket that has not logged in with UNAUTHENTICATED", async () => {
    const registered = await connectRawClient(f.url, alice.account, { clientId: keccak256(toHex("another alice client")) });
    const stranger = await connectRawClient(f.url, outsider.account);
    expect(code(await registered.fetchModel({ modelHash: aggregate() }))).toBe("UNAUTHENTICATED");
    expect(code(await stranger.fetchModel({ modelHash: await genesisHash() }))).toBe("UNAUTHENTICATED");
    registered.close();
    stranger.close();
  });

  it("rate limits a flood of fetches; other participants are still served", async () => {
    // Alice has 6 of her 12 tokens left.
    const replies = await Promise.all(Array.from({ length: 30 }, () => a.fetchModel({ modelHash: aggregate() })));
    const codes = replies.map(code);
    expect(codes.every((c) => c === "ok" || c === "RATE_LIMITED")).toBe(true);
    expect(codes.filter((c) => c === "ok").length).toBeGreaterThanOrEqual(1);
    expect(codes.filter((c) => c === "ok").length).toBeLessThanOrEqual(6);
    expect(code(await a.fetchModel({ modelHash: aggregate() }))).toBe("RATE_LIMITED");
    expect(a.socket.connected).toBe(true);
    expect(code(await b.fetchModel({ modelHash: aggregate() }))).toBe("ok");
  });
});
