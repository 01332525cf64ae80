import type { IncomingMessage, ServerResponse } from "node:http";
import { FedLedgerError, isFedLedgerError } from "../errors/FedLedgerError.ts";
import { type DashboardAsset, loadDashboardAssets } from "./dashboardAssets.ts";
import type { DashboardData } from "./dashboardData.ts";

export type DashboardHandlerParameters = {
  /** Reads the data the page shows (readDashboardData with the server's reader and details source). */
  load: () => Promise<DashboardData>;
  /** A read is reused for this long, and concurrent requests share one read (default 2 000 ms). */
  cacheMs?: number;
  /** Told about a failed read (the client gets only its code and message). */
  onError?: (error: FedLedgerError) => void;
  now?: () => number;
};

/** A request handler: true when it answered the request, false when the path is not the dashboard's. */
export type DashboardHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/** The dashboard's path on a server. */
export const DASHBOARD_PATH = "/dashboard";

/**
 * Scripts, styles and data only from the page's own origin; no inline code, no frames, no
 * forms. Everything untrusted (chain and bundle strings) is set as text by the page.
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
} as const;

/**
 * Serves the contributor dashboard under /dashboard/: the page, its script and styles,
 * uPlot, and `data.json` (what `load` returns, or `{ ok: false, error: { code, message } }`
 * with status 502 when the read fails). `GET /dashboard` redirects to `/dashboard/`.
 * The chain is read at most once per `cacheMs`, however many clients ask.
 */
export function createDashboardHandler(parameters: DashboardHandlerParameters): DashboardHandler {
  const cacheMs = parameters.cacheMs ?? 2_000;
  const now = parameters.now ?? Date.now;
  let assets: Promise<ReadonlyMap<string, DashboardAsset>> | undefined;
  let cached: { at: number; body: string } | undefined;
  let reading: Promise<string> | undefined;

  const data = (): Promise<string> => {
    if (cached !== undefined && now() - cached.at < cacheMs) return Promise.resolve(cached.body);
    reading ??= parameters
      .load()
      .then((value) => {
        cached = { at: now(), body: JSON.stringify(value) };
        return cached.body;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };

  const send = (response: ServerResponse, status: number, headers: Record<string, string>, body?: string | Buffer) => {
    response.writeHead(status, { ...SECURITY_HEADERS, ...headers }).end(body);
  };

  return async (request, response) => {
    if (request.method !== "GET" || request.url === undefined) return false;
    const path = new URL(request.url, "http://dashboard.invalid").pathname;
    if (path === DASHBOARD_PATH) {
      // Relative, so that the page's relative URLs also work behind a proxy's path prefix.
      send(response, 301, { location: "dashboard/" });
      return true;
    }
    if (!path.startsWith(`${DASHBOARD_PATH}/`)) return false;
    const name = path.slice(DASHBOARD_PATH.length + 1);
    if (name === "data.json") {
      try {
        send(response, 200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }, await data());
      } catch (error) {
        const refusal = isFedLedgerError(error) ? error : new FedLedgerError("INTERNAL", "Could not read the dashboard data", { cause: error });
        parameters.onError?.(refusal);
        send(response, 502, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }, JSON.stringify({ ok: false, error: refusal.toWire() }));
      }
      return true;
    }
    assets ??= loadDashboardAssets();
    let asset: DashboardAsset | undefined;
    try {
      asset = (await assets).get(name);
    } catch (error) {
      assets = undefined;
      parameters.onError?.(isFedLedgerError(error) ? error : new FedLedgerError("INTERNAL", "Could not load the dashboard's files", { cause: error }));
      send(response, 500, { "content-type": "text/plain; charset=utf-8" }, "The dashboard's files are missing on this server.");
      return true;
    }
    if (asset === undefined) {
      send(response, 404, { "content-type": "text/plain; charset=utf-8" }, "Not found");
      return true;
    }
    send(response, 200, { "content-type": asset.contentType, "cache-control": "no-cache" }, asset.body);
    return true;
  };
}
