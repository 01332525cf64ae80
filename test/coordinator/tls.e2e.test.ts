import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Coordinator } from "@fedledger/coordinator";
import { institution, type LedgerHandle, startCoordinator, startLedger } from "../fixtures/coordinatorHarness.ts";
import { connectRawClient } from "../fixtures/rawClient.ts";

/** A self-signed certificate for 127.0.0.1 (P-256, one day), made with the system's openssl. */
function selfSignedCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", keyFile, "-out", certFile, "-days", "1",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  return { certFile, keyFile };
}

/** GET over https, trusting `ca`. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      response.once("end", () => resolve({ status: response.statusCode ?? 0, body }));
      response.once("error", reject);
    });
    req.once("error", reject);
    req.end();
  });
}

const hasOpenssl = spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0;

describe.skipIf(!hasOpenssl)("the coordinator over TLS", () => {
  const alice = institution(1);
  let ledger: LedgerHandle;
  let coordinator: Coordinator;
  let url: string;
  let ca: string;

  beforeAll(async () => {
    const tls = selfSignedCertificate(mkdtempSync(join(tmpdir(), "fedledger-tls-")));
    ca = readFileSync(tls.certFile, "utf8");
    ledger = await startLedger({ institutions: [alice] });
    ({ coordinator, url } = await startCoordinator(ledger, { server: { port: 0, ackTimeoutMs: 5_000, tls } }));
  });

  afterAll(async () => {
    await coordinator?.close();
    await ledger?.chain.close();
  });

  it("listens on an https URL", () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("a participant connects over wss and authenticates (rejectUnauthorized: false, and with the certificate as CA)", async () => {
    for (const io of [{ rejectUnauthorized: false }, { ca }]) {
      const client = await connectRawClient(url, alice.account, { io });
      const ack = await client.authenticate();
      expect(ack.ok ? ack.data.address : ack.error.code).toBe(alice.account.address);
      client.close();
    }
  });

  it("a client that does not trust the certificate cannot connect (the certificate is verified)", async () => {
    const error = await connectRawClient(url, alice.account).then(
      () => undefined,
      (e: { description?: { error?: { code?: string } } }) => e,
    );
    // socket.io-client's TransportError wraps the ws ErrorEvent, which wraps Node's TLS error.
    expect(error?.description?.error?.code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  it("/healthz and /metrics are served over https, and plain http is not", async () => {
    const client = await connectRawClient(url, alice.account, { io: { ca } });
    expect((await client.authenticate()).ok).toBe(true);
    const health = await httpsGet(`${url}/healthz`, ca);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ ok: true, round: null, lastRecordedRound: null, connectedClients: 1 });
    const metrics = await httpsGet(`${url}/metrics`, ca);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain("# TYPE fedledger_rounds_total counter");
    client.close();

    await expect(fetch(`${url.replace(/^https:/, "http:")}/healthz`)).rejects.toThrow();
  });
});
