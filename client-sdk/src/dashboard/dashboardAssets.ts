import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { FedLedgerError } from "../errors/FedLedgerError.ts";

/** A static file of the dashboard: its bytes and content type. */
export type DashboardAsset = { readonly contentType: string; readonly body: Buffer };

/**
 * The page's own files live in src/dashboard/page/ (the package ships that folder); this
 * path finds them from src/dashboard/ and from the build's dist/dashboard/ alike.
 */
const PAGE_DIR = new URL("../../src/dashboard/page/", import.meta.url);

/** The dashboard's files by their name under /dashboard/ ("" is the page itself). uPlot comes from its npm package. */
function assetFiles(): Record<string, { path: string; contentType: string }> {
  const require = createRequire(import.meta.url);
  const page = (name: string) => fileURLToPath(new URL(name, PAGE_DIR));
  return {
    "": { path: page("index.html"), contentType: "text/html; charset=utf-8" },
    "dashboard.js": { path: page("dashboard.js"), contentType: "text/javascript; charset=utf-8" },
    "dashboard.css": { path: page("dashboard.css"), contentType: "text/css; charset=utf-8" },
    "uplot.js": { path: require.resolve("uplot/dist/uPlot.iife.min.js"), contentType: "text/javascript; charset=utf-8" },
    "uplot.css": { path: require.resolve("uplot/dist/uPlot.min.css"), contentType: "text/css; charset=utf-8" },
  };
}

/** Reads every dashboard file once. Throws INTERNAL naming a missing one (an incomplete install). */
export async function loadDashboardAssets(): Promise<ReadonlyMap<string, DashboardAsset>> {
  const entries = await Promise.all(
    Object.entries(assetFiles()).map(async ([name, file]) => {
      try {
        return [name, { contentType: file.contentType, body: await readFile(file.path) }] as const;
      } catch (cause) {
        throw new FedLedgerError("INTERNAL", "A file of the dashboard is missing: reinstall @fedledger/client-sdk", { details: file.path, cause });
      }
    }),
  );
  return new Map(entries);
}
