import { createRequire } from "node:module";

/** The coordinator's package name and version, from its package.json: the one place that knows them. */
function readSoftware(): { name: string; version: string } {
  const manifest: unknown = createRequire(import.meta.url)("../../package.json");
  const field = (key: "name" | "version") => {
    const value = typeof manifest === "object" && manifest !== null && key in manifest ? (manifest as Record<string, unknown>)[key] : undefined;
    return typeof value === "string" && value !== "" ? value : "unknown";
  };
  return { name: field("name"), version: field("version") };
}

export const COORDINATOR_SOFTWARE: { readonly name: string; readonly version: string } = readSoftware();
