import type { IncomingMessage, ServerResponse } from "node:http";
import type { CoordinatorMetrics } from "./coordinatorMetrics.ts";

/** `round`: the round in progress (null between rounds); `lastRecordedRound`: the newest recorded one (null before any). */
export type Health = () => { ok: boolean; round: number | null; lastRecordedRound: number | null; connectedClients: number };

/** Serves `GET /metrics` (Prometheus text) and `GET /healthz` (JSON) on the coordinator's HTTP server. */
export function createOpsRequestHandler(metrics: CoordinatorMetrics, health: Health) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (request.method !== "GET") return false;
    if (request.url === "/metrics") {
      const body = await metrics.registry.metrics();
      response.writeHead(200, { "content-type": metrics.registry.contentType }).end(body);
      return true;
    }
    if (request.url === "/healthz") {
      const status = health();
      response.writeHead(status.ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(status));
      return true;
    }
    return false;
  };
}
