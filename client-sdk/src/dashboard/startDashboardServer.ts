import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { DASHBOARD_PATH, type DashboardHandler } from "./createDashboardHandler.ts";

export type DashboardServerOptions = { host: string; port: number };

export type DashboardServer = {
  /** The page's URL. */
  readonly url: string;
  close(): Promise<void>;
};

/**
 * An HTTP server of its own for the dashboard (the standalone `fedledger dashboard`): `/`
 * redirects to the page, anything else is 404. Throws INVALID_CONFIG when it cannot listen.
 */
export async function startDashboardServer(handler: DashboardHandler, options: DashboardServerOptions): Promise<DashboardServer> {
  const server = createServer((request, response) => {
    void handler(request, response).then(
      (handled) => {
        if (handled) return;
        if (request.method === "GET" && request.url === "/") response.writeHead(302, { location: `${DASHBOARD_PATH}/` }).end();
        else response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found");
      },
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (cause: NodeJS.ErrnoException) =>
      reject(new FedLedgerError("INVALID_CONFIG", `Cannot listen on ${options.host}:${options.port}`, { details: cause.code ?? cause.message, cause })),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}${DASHBOARD_PATH}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
