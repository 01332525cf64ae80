import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import { contributionLedgerAbi, type FitInstruction, PROTOCOL_VERSION } from "@fedledger/client-sdk";
import { constantUpdate, connectRawClient, craftSubmission, type RawClient } from "../fixtures/rawClient.ts";
import { institution, type LedgerHandle, tinyLayout } from "../fixtures/coordinatorHarness.ts";
import { type Federation, startFederation } from "../fixtures/federation.ts";

// One coordinator, one open round with a long deadline; every refused input is sent
// against it by real socket.io peers, then two honest updates complete the round.
describe("the coordinator refuses bad input with typed errors and keeps running", () => {
  const [alice, bob, carol, outsider] = [institution(1), institution(2), institution(3), institution(9)];
  let ledger: LedgerHandle;
  let url: string;
  let run: Promise<unknown>;
  let a: RawClient;
  let b: RawClient;
  let fit: FitInstruction;
  let federation: Federation | undefined;

  beforeAll(async () => {
    const started = await startFederation({
      institutions: [alice, bob, carol],
      join: [alice, bob],
      overrides: {
        rounds: { rounds: 1, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 60_000, availabilityTimeoutMs: 30_000 },
        safety: { maxUpdateNorm: 5 },
      },
    });
    federation = started;
    ({ ledger, url } = started);
    [a, b] = started.clients;
    run = started.coordinator.run();
    fit = await a.nextFit(1);
  });

  afterAll(() => federation?.close());

  const honest = (value = 0.01, overrides: Partial<Parameters<typeof craftSubmission>[0]> = {}) =>
    craftSubmission({ account: alice.account, session: a.session, fit, layout: tinyLayout, update: constantUpdate(tinyLayout, value), commitment: alice.commitment, ...overrides });
  const codeOf = (ack: { ok: boolean; error?: { code: string } }) => (ack.ok ? "ok" : ack.error?.code);

  it("refuses a wrong protocol version at connect", async () => {
    const error = await connectRawClient(url, alice.account, { protocolVersion: PROTOCOL_VERSION + 1 }).then(
      () => undefined,
      (e: { data?: { code?: string } }) => e,
    );
    expect(error?.data?.code).toBe("PROTOCOL_VERSION_MISMATCH");
  });

  it("refuses submissions from an unauthenticated socket", async () => {
    const c = await connectRawClient(url, alice.account);
    expect(codeOf(await c.submit(await honest()))).toBe("UNAUTHENTICATED");
    c.close();
  });

  it("refuses a challenge signed by another key", async () => {
    const c = await connectRawClient(url, alice.account);
    expect(codeOf(await c.authenticate(bob.account))).toBe("INVALID_SIGNATURE");
    expect(codeOf(await c.submit(await honest()))).toBe("UNAUTHENTICATED");
    c.close();
  });

  it("refuses an unregistered participant", async () => {
    const c = await connectRawClient(url, outsider.account);
    expect(codeOf(await c.authenticate())).toBe("NOT_REGISTERED");
    c.close();
  });

  it("refuses a participant not selected for the round", async () => {
    const c = await connectRawClient(url, carol.account);
    expect((await c.authenticate()).ok).toBe(true);
    const submission = await craftSubmission({ account: carol.account, session: c.session, fit, layout: tinyLayout, update: constantUpdate(tinyLayout, 0.01), commitment: carol.commitment });
    expect(codeOf(await c.submit(submission))).toBe("NOT_SELECTED");
    c.close();
  });

  it("refuses malformed payloads", async () => {
    expect(codeOf(await a.submit({ round: 1 }))).toBe("INVALID_PAYLOAD");
    expect(codeOf(await a.submit("not an object"))).toBe("INVALID_PAYLOAD");
    expect(codeOf(await a.submit({ ...(await honest()), numSamples: -5 }))).toBe("INVALID_PAYLOAD");
    expect(codeOf(await a.submit({ ...(await honest()), signature: "0x1234" }))).toBe("INVALID_PAYLOAD");
  });

  it("refuses a bad signature (signed by another key)", async () => {
    expect(codeOf(await a.submit(await honest(0.01, { signer: bob.account })))).toBe("INVALID_SIGNATURE");
  });

  it("refuses a signature over another round (replay)", async () => {
    const forRound7 = await honest(0.01, { round: 7 });
    expect(codeOf(await a.submit({ ...forRound7, round: 1 }))).toBe("INVALID_SIGNATURE");
  });

  it("refuses a signature over another dataset commitment", async () => {
    expect(codeOf(await a.submit(await honest(0.01, { commitment: keccak256(toHex("other data")) })))).toBe("INVALID_SIGNATURE");
  });

  it("refuses an update that does not match its hash", async () => {
    const s = await honest();
    const tampered = Uint8Array.from(s.update);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1]! + 1) & 0xff;
    expect(codeOf(await a.submit({ ...s, update: tampered }))).toBe("HASH_MISMATCH");
  });

  it("refuses an update of the wrong shape", async () => {
    const wrongLayout = [{ name: "dense_0/kernel", shape: [4, 2] }, { name: "dense_0/bias", shape: [2] }];
    const s = await honest(0.01, { encodeLayout: wrongLayout, update: constantUpdate(wrongLayout, 0.01) });
    expect(codeOf(await a.submit(s))).toBe("SHAPE_MISMATCH");
  });

  it("refuses NaN and infinite values", async () => {
    const update = constantUpdate(tinyLayout, 0.01);
    update[0]![3] = Number.NaN;
    expect(codeOf(await a.submit(await honest(0.01, { update })))).toBe("NON_FINITE");
    update[0]![3] = Number.POSITIVE_INFINITY;
    expect(codeOf(await a.submit(await honest(0.01, { update })))).toBe("NON_FINITE");
  });

  it("refuses an update over the norm bound", async () => {
    expect(codeOf(await a.submit(await honest(3)))).toBe("NORM_EXCEEDED");
  });

  it("refuses an oversized payload with a typed error, and drops a huge one without going down", async () => {
    const s = await honest();
    const big = new Uint8Array(200_000);
    expect(codeOf(await a.submit({ ...s, update: big }))).toBe("PAYLOAD_TOO_LARGE");
    // Carol (registered, not selected): a new socket for bob would replace bob's own.
    const c = await connectRawClient(url, carol.account);
    await c.authenticate();
    const closed = new Promise<string>((resolve) => c.socket.once("disconnect", resolve));
    c.socket.emit("round:submit", { ...s, update: new Uint8Array(8 * 1024 * 1024) } as never, () => {});
    expect(await closed).toBeTruthy();
  });

  it("accepts an honest update, acknowledges a resend as a duplicate, and refuses a different second update", async () => {
    const first = await honest(0.02);
    const ack = await a.submit(first);
    expect(ack).toEqual({ ok: true, data: { round: 1, updateHash: first.updateHash, duplicate: false } });
    expect(await a.submit(first)).toEqual({ ok: true, data: { round: 1, updateHash: first.updateHash, duplicate: true } });
    expect(codeOf(await a.submit(await honest(0.03)))).toBe("DUPLICATE_SUBMISSION");
  });

  it("refuses submissions for a past round as late, and records exactly the accepted updates", async () => {
    // The server survived the huge payload above and still serves bob's original socket.
    const bobUpdate = await craftSubmission({ account: bob.account, session: b.session, fit, layout: tinyLayout, update: constantUpdate(tinyLayout, -0.01), commitment: bob.commitment, numSamples: 90 });
    expect((await b.submit(bobUpdate)).ok).toBe(true);
    await run;
    const late = await honest(0.01);
    expect(codeOf(await a.submit(late))).toBe("LATE_SUBMISSION");
    const events = await ledger.publicClient.getContractEvents({ address: ledger.ledger, abi: contributionLedgerAbi, eventName: "UpdateRecorded", fromBlock: 0n });
    expect(events.map((e) => e.args.participant).sort()).toEqual([alice.account.address, bob.account.address].sort());
    expect(events.find((e) => e.args.participant === bob.account.address)?.args.numSamples).toBe(90n);
  });
});
