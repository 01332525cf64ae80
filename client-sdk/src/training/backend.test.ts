import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { isFedLedgerError } from "../errors/FedLedgerError.ts";
import { type BackendName, currentBackend, ensureBackend, selectBackend } from "./backend.ts";

function resolvable(specifier: string): boolean {
  try {
    createRequire(import.meta.url).resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

const TFJS_NODE_INSTALLED = resolvable("@tensorflow/tfjs-node");

async function rejectionCode(promise: Promise<unknown>): Promise<string | undefined> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  return isFedLedgerError(caught) ? caught.code : undefined;
}

describe("selectBackend", () => {
  it("selects a default backend on first use", async () => {
    const name = await ensureBackend();
    expect(name).toBe(TFJS_NODE_INSTALLED ? "tensorflow" : "wasm");
    expect(currentBackend()).toBe(name);
  });

  it("falls back from tensorflow when tfjs-node cannot load, and reports the name once", async () => {
    await selectBackend({ preferred: "cpu" });
    const lines: string[] = [];
    const logger = (line: string): number => lines.push(line);
    const name = await selectBackend({ preferred: "tensorflow", logger });
    expect(name).toBe(TFJS_NODE_INSTALLED ? "tensorflow" : "wasm");
    expect(currentBackend()).toBe(name);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`training backend: ${name}`);
    if (!TFJS_NODE_INSTALLED) {
      expect(lines[0]).toContain("skipped tensorflow");
      expect(lines[0]).toContain("wasm (SIMD");
    }
    await selectBackend({ preferred: "tensorflow", logger });
    expect(lines).toHaveLength(1);
  });

  it("honours an explicit preference", async () => {
    const lines: string[] = [];
    expect(await selectBackend({ preferred: "cpu", logger: (line) => lines.push(line) })).toBe("cpu");
    expect(currentBackend()).toBe("cpu");
    expect(lines).toEqual(["training backend: cpu"]);
    expect(await selectBackend({ preferred: "wasm", threads: 2 })).toBe("wasm");
    expect(currentBackend()).toBe("wasm");
  });

  it("rejects invalid options with INVALID_CONFIG", async () => {
    expect(await rejectionCode(selectBackend({ threads: 0 }))).toBe("INVALID_CONFIG");
    expect(await rejectionCode(selectBackend({ threads: 1.5 }))).toBe("INVALID_CONFIG");
    expect(await rejectionCode(selectBackend({ preferred: "webgpu" as unknown as BackendName }))).toBe(
      "INVALID_CONFIG",
    );
  });
});
