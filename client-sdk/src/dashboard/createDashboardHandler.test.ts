import { afterEach, describe, expect, it } from "vitest";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { createDashboardHandler } from "./createDashboardHandler.ts";
import type { DashboardData } from "./dashboardData.ts";
import { boundRoundDetails, ROUND_DETAILS_LIMITS } from "./roundDetails.ts";
import { type DashboardServer, startDashboardServer } from "./startDashboardServer.ts";

/** Stands in for readDashboardData: the handler only serializes what it gets. */
const DATA = { version: 1, rounds: [] } as unknown as DashboardData;

let server: DashboardServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Serves a handler; `onRequest` is told of each request as it reaches the handler. */
async function serve(parameters: Parameters<typeof createDashboardHandler>[0], onRequest?: () => void): Promise<string> {
  const handler = createDashboardHandler(parameters);
  server = await startDashboardServer((request, response) => (onRequest?.(), handler(request, response)), { host: "127.0.0.1", port: 0 });
  return server.url;
}

describe("the dashboard's HTTP handler (real server on 127.0.0.1)", () => {
  it("serves the page, its script and styles and uPlot's, with a Content-Security-Policy; /dashboard and / redirect to it", async () => {
    const url = await serve({ load: async () => DATA });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';/);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await page.text();
    expect(html).toContain('<script src="uplot.js" defer></script>');
    expect(html).not.toMatch(/<script>|<style>|\son\w+=/); // nothing inline for the CSP to allow
    for (const [name, type, marker] of [
      ["dashboard.js", "text/javascript; charset=utf-8", "textContent"],
      ["dashboard.css", "text/css; charset=utf-8", "--ink"],
      ["uplot.js", "text/javascript; charset=utf-8", "uPlot"],
      ["uplot.css", "text/css; charset=utf-8", ".uplot"],
    ] as const) {
      const response = await fetch(new URL(name, url));
      expect([name, response.status, response.headers.get("content-type")]).toEqual([name, 200, type]);
      expect(await response.text()).toContain(marker);
    }
    const origin = new URL(url).origin;
    for (const path of ["/dashboard", "/"]) {
      const redirect = await fetch(`${origin}${path}`, { redirect: "manual" });
      expect([redirect.status, new URL(redirect.headers.get("location") ?? "", `${origin}${path}`).href]).toEqual([path === "/" ? 302 : 301, url]);
    }
    expect((await fetch(new URL("nope.js", url))).status).toBe(404);
    expect((await fetch(new URL("../dashboard.js", url))).status).toBe(404);
    expect((await fetch(new URL("data.json", url), { method: "POST" })).status).toBe(404);
  });

  it("reads the data once for concurrent requests and reuses it for cacheMs", async () => {
    let reads = 0;
    let clock = 0;
    let arrived = 0;
    let release: () => void = () => undefined;
    let allArrived: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const three = new Promise<void>((resolve) => (allArrived = resolve));
    const url = await serve(
      {
        load: async () => {
          reads += 1;
          await gate;
          return { ...DATA, blockNumber: String(reads) };
        },
        cacheMs: 1_000,
        now: () => clock,
      },
      () => (++arrived === 3 ? allArrived() : undefined),
    );
    const data = new URL("data.json", url);
    const concurrent = Promise.all([1, 2, 3].map(() => fetch(data).then((r) => r.json() as Promise<{ blockNumber: string }>)));
    // All three are at the handler while the first read is still under way.
    await three;
    release();
    expect((await concurrent).map((d) => d.blockNumber)).toEqual(["1", "1", "1"]);
    expect(reads).toBe(1);
    clock = 999;
    expect(((await (await fetch(data)).json()) as { blockNumber: string }).blockNumber).toBe("1");
    clock = 1_000;
    const fresh = await fetch(data);
    expect(fresh.headers.get("cache-control")).toBe("no-store");
    expect(((await fresh.json()) as { blockNumber: string }).blockNumber).toBe("2");
    expect(reads).toBe(2);
  });

  it("answers a failed read with 502 and the error's code and message only; an unknown failure is INTERNAL", async () => {
    const errors: string[] = [];
    let failure: unknown = new FedLedgerError("CHAIN_ERROR", "Cannot read RoundRecorded events: the RPC endpoint cannot be reached", { details: "secret-ish details" });
    const url = await serve({ load: () => Promise.reject(failure), onError: (e) => errors.push(e.code) });
    const response = await fetch(new URL("data.json", url));
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ ok: false, error: { code: "CHAIN_ERROR", message: "Cannot read RoundRecorded events: the RPC endpoint cannot be reached" } });
    failure = new Error("/home/operator/.secrets");
    expect(await (await fetch(new URL("data.json", url))).json()).toEqual({ ok: false, error: { code: "INTERNAL", message: "Could not read the dashboard data" } });
    expect(errors).toEqual(["CHAIN_ERROR", "INTERNAL"]);
  });
});

describe("boundRoundDetails (what a details source may put on the page)", () => {
  it("keeps finite metrics, at most the limit, with names cut; drops refusals of malformed addresses and cuts reasons", () => {
    const metrics = Object.fromEntries([...Array(40).keys()].map((i) => [`m${i}`, i]));
    const bounded = boundRoundDetails({
      aggregateModelHash: null,
      metrics: { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, ["n".repeat(100)]: 1, ...metrics },
      refusals: [
        { participant: "0xnot-an-address" as `0x${string}`, reason: "NORM_EXCEEDED" },
        { participant: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", reason: "R".repeat(100) },
      ],
    });
    expect(Object.keys(bounded.metrics ?? {})).toHaveLength(ROUND_DETAILS_LIMITS.metrics);
    expect(bounded.metrics).not.toHaveProperty("nan");
    expect(bounded.metrics).not.toHaveProperty("inf");
    expect(bounded.metrics?.[`${"n".repeat(64)}…`]).toBe(1);
    expect(bounded.refusals).toEqual([{ participant: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", reason: `${"R".repeat(64)}…` }]);
    expect(boundRoundDetails({ aggregateModelHash: null, metrics: null, refusals: null })).toEqual({ aggregateModelHash: null, metrics: null, refusals: null });
  });
});
