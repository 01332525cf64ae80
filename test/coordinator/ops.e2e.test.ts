import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Coordinator } from "@fedledger/coordinator";
import { constantUpdate, connectRawClient, craftSubmission, type RawClient } from "../fixtures/rawClient.ts";
import { institution, type Institution, type LedgerHandle, startCoordinator, startLedger, tinyLayout } from "../fixtures/coordinatorHarness.ts";

async function joined(url: string, inst: Institution): Promise<RawClient> {
  const client = await connectRawClient(url, inst.account);
  const ack = await client.authenticate();
  if (!ack.ok) throw new Error(ack.error.code);
  return client;
}

/** The value of one sample line (`name{labels} value`) of a Prometheus text exposition. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

// One recorded round (two accepted updates, one refused NaN update, one unauthenticated
// submission), then the ops endpoints are read over real HTTP.
describe("the coordinator's ops endpoints (/healthz, /metrics)", () => {
  const [alice, bob] = [institution(1), institution(2)];
  let ledger: LedgerHandle;
  let coordinator: Coordinator;
  let url: string;
  let clients: RawClient[] = [];
  let gasUsed = 0n;

  beforeAll(async () => {
    ledger = await startLedger({ institutions: [alice, bob] });
    ({ coordinator, url } = await startCoordinator(
      ledger,
      { rounds: { rounds: 1, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 30_000, availabilityTimeoutMs: 15_000 } },
      { events: { onRoundRecorded: (r) => (gasUsed = r.gasUsed) } },
    ));
    const [a, b] = [await joined(url, alice), await joined(url, bob)];
    clients = [a, b];
    const run = coordinator.run();
    const fit = await a.nextFit(1);

    // A transport-level refusal: submitting before authenticating.
    const stranger = await connectRawClient(url, alice.account);
    const early = await stranger.submit({ round: 1 });
    stranger.close();
    expect(early.ok ? "ok" : early.error.code).toBe("UNAUTHENTICATED");

    // A submission refusal: a NaN in the update.
    const poisoned = constantUpdate(tinyLayout, 0.01);
    poisoned[0]![2] = Number.NaN;
    const refused = await a.submit(await craftSubmission({ account: alice.account, session: a.session, fit, layout: tinyLayout, update: poisoned, commitment: alice.commitment }));
    expect(refused.ok ? "ok" : refused.error.code).toBe("NON_FINITE");

    for (const [client, inst, value] of [[a, alice, 0.01], [b, bob, -0.02]] as const) {
      const f = await client.nextFit(1);
      const ack = await client.submit(await craftSubmission({ account: inst.account, session: client.session, fit: f, layout: tinyLayout, update: constantUpdate(tinyLayout, value), commitment: inst.commitment }));
      expect(ack.ok).toBe(true);
    }
    expect(await run).toHaveLength(1);
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await coordinator?.close();
    await ledger?.chain.close();
  });

  it("GET /healthz: 200 with ok, the round in progress, the last recorded round (also between rounds) and the connected clients", async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ ok: true, round: null, lastRecordedRound: 1, connectedClients: 2 });
  });

  it("GET /metrics: rounds, accepted and refused updates (each counted once), bytes, gas, aggregation time", async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();

    expect(text).toContain('fedledger_rounds_total{status="recorded"} 1\n');
    expect(text).not.toContain('fedledger_rounds_total{status="aborted"}');
    expect(text).toContain("fedledger_updates_accepted_total 2\n");
    expect(sample(text, 'fedledger_updates_refused_total{reason="NON_FINITE"}')).toBe(1);
    expect(sample(text, 'fedledger_updates_refused_total{reason="UNAUTHENTICATED"}')).toBe(1);
    const refusals = text.split("\n").filter((l) => l.startsWith("fedledger_updates_refused_total{"));
    expect(refusals).toHaveLength(2);

    // Three parsed submissions carried an update (one refused, two accepted).
    const encodedBytes = (await craftSubmission({
      account: alice.account,
      session: clients[0]!.session,
      fit: clients[0]!.fits[0]!,
      layout: tinyLayout,
      update: constantUpdate(tinyLayout, 0),
      commitment: alice.commitment,
    })).update.byteLength;
    expect(sample(text, "fedledger_update_bytes_received_total")).toBe(3 * encodedBytes);

    expect(gasUsed).toBeGreaterThan(0n);
    expect(sample(text, "fedledger_ledger_gas_used_total")).toBe(Number(gasUsed));
    expect(text).toContain("# TYPE fedledger_aggregation_seconds histogram");
    expect(sample(text, "fedledger_aggregation_seconds_count")).toBe(1);
    expect(sample(text, 'fedledger_aggregation_seconds_bucket{le="+Inf"}')).toBe(1);
    expect(sample(text, "fedledger_current_round")).toBe(1);
    // Node's default process metrics are exported too, under the fedledger_ prefix.
    expect(text).toMatch(/^fedledger_\w*cpu_user_seconds_total \d/m);
  });

  it("an unknown path is 404, and so is a non-GET request to an ops path", async () => {
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: "POST" })).status).toBe(404);
  });
});
