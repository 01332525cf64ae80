import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { MAX_NUM_SAMPLES } from "@fedledger/client-sdk";
import { institution, tinyLayout } from "../fixtures/coordinatorHarness.ts";
import { recorded, startFederation } from "../fixtures/federation.ts";
import { constantUpdate, craftSubmission, type RawClient } from "../fixtures/rawClient.ts";
import { highS } from "./liveness.fixtures.ts";

const codeOf = (ack: { ok: boolean; error?: { code: string } }) => (ack.ok ? "ok" : ack.error?.code);

// What the ledger would refuse is refused before the ack (a refused record used to halt
// the federation for good: every restart re-sent it), and an acknowledged update's
// identical resend gets its ack back whatever the round's state.
describe("before the ack, the coordinator checks what the ledger checks", () => {
  const [alice, bob] = [institution(1), institution(2)];

  it("refuses a high-s signature and a count near 2^53 with typed codes, records the honest round, and re-acks a resend after recording", async () => {
    const federation = await startFederation({
      institutions: [alice, bob],
      join: [alice, bob],
      overrides: { rounds: { rounds: 1, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 30_000, availabilityTimeoutMs: 15_000 } },
    });
    const { ledger, coordinator, clients: [a, b] } = federation;
    const run = coordinator.run();
    const fit = await a.nextFit(1);
    const submission = (client: RawClient, inst: typeof alice, value: number, numSamples = 50) =>
      craftSubmission({ account: inst.account, session: client.session, fit, layout: tinyLayout, update: constantUpdate(tinyLayout, value), commitment: inst.commitment, numSamples });

    const honest = await submission(a, alice, 0.01);
    // The same signature in its high-s form recovers to alice with plain ecrecover; the ledger refuses it.
    expect(codeOf(await a.submit({ ...honest, signature: highS(honest.signature) }))).toBe("INVALID_SIGNATURE");
    // v outside {27, 28, 0, 1}.
    expect(codeOf(await a.submit({ ...honest, signature: `${honest.signature.slice(0, 130)}1d` as Hex }))).toBe("INVALID_SIGNATURE");
    // Counts whose round total would not be an exact integer (signed as declared: only the range is wrong).
    expect(codeOf(await a.submit(await submission(a, alice, 0.01, 2 ** 53 - 1)))).toBe("INVALID_PAYLOAD");
    expect(codeOf(await a.submit(await submission(a, alice, 0.01, MAX_NUM_SAMPLES + 1)))).toBe("INVALID_PAYLOAD");
    // More samples than alice's registered dataset holds (the ledger's uint48 datasetSize).
    expect(codeOf(await a.submit(await submission(a, alice, 0.01, alice.data.numSamples + 1)))).toBe("INVALID_PAYLOAD");
    // None of those took alice's place in the round.
    expect(coordinator.state.getUpdate(1, alice.account.address)).toBeUndefined();

    expect(await a.submit(honest)).toEqual({ ok: true, data: { round: 1, updateHash: honest.updateHash, duplicate: false } });
    const bobs = await submission(b, bob, -0.02, 70);
    expect((await b.submit(bobs)).ok).toBe(true);
    const [finished] = await run;
    expect(finished?.round).toBe(1);
    const { participants } = await recorded(ledger);
    expect(participants(1n).sort()).toEqual([alice.account.address, bob.account.address].sort());

    // The round is recorded (no round open now): a resend after a lost ack gets the ack back…
    expect(coordinator.state.getRound(1)?.status).toBe("recorded");
    expect(await a.submit(honest)).toEqual({ ok: true, data: { round: 1, updateHash: honest.updateHash, duplicate: true } });
    expect(await b.submit(bobs)).toEqual({ ok: true, data: { round: 1, updateHash: bobs.updateHash, duplicate: true } });
    // …but not a different update, nor the same update under another signature.
    expect(codeOf(await a.submit(await submission(a, alice, 0.03)))).toBe("LATE_SUBMISSION");
    expect(codeOf(await a.submit({ ...honest, signature: highS(honest.signature) }))).toBe("LATE_SUBMISSION");
    await federation.close();
  });
});
