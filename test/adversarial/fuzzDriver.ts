import type { Address } from "viem";
import type { LayerSpec } from "@fedledger/client-sdk";
import type { BuildContext, FuzzCase } from "./fuzzCase.ts";
import { createFuzzReport, type FuzzReport } from "./fuzzReport.ts";
import { type FuzzIdentity, FUZZ_ID_BASE, loginSession, runSessionLane } from "./sessionLane.ts";
import { runStreamLane } from "./streamLane.ts";
import { runWsLane } from "./wsLane.ts";

export type FuzzParameters = {
  url: string;
  cases: readonly FuzzCase[];
  /** Registered participants the fuzzer logs in as (one session lane each); never the honest ones. */
  identities: readonly FuzzIdentity[];
  /** An address the raw WebSocket handshakes claim (never logged in). */
  outsider: Address;
  layout: readonly LayerSpec[];
  /** Raw WebSocket lanes run side by side. Default 3. */
  wsLanes?: number;
  /** Checked before each case: stop early (the coordinator went down). */
  shouldStop?: () => boolean;
  /** Called every 1,000 messages sent. */
  onProgress?: (messages: number) => void;
};

/**
 * Sends every case against a running coordinator and reports what came back. The valid
 * messages the cases corrupt are taken from a real login: the handshake `auth` and the
 * `session:authenticate` payload the raw client sends, and a submission signed for the
 * open round. Lanes (raw WebSockets, logged-in sessions, raw TCP and polling) run
 * concurrently; each sends its cases in order.
 */
export async function runFuzz(p: FuzzParameters): Promise<FuzzReport> {
  const recorder = createFuzzReport(p.onProgress);
  const shouldStop = p.shouldStop ?? (() => false);
  let id = FUZZ_ID_BASE;
  const nextId = () => id++;

  const first = await loginSession(p.url, p.identities[0]!, recorder, shouldStop);
  if (!first) return recorder.report;
  const shared: Omit<BuildContext, "ackId"> = {
    auth: { ...(first.raw.socket.auth as Record<string, unknown>), address: p.outsider },
    authenticate: first.loginPayload,
    submit: {},
  };
  const templates = () => shared;
  let templateReady: () => void = () => {};
  const firstTemplate = new Promise<void>((resolve) => (templateReady = resolve));

  const wsLanes = p.wsLanes ?? 3;
  const byChannel = (channel: FuzzCase["channel"]) => p.cases.filter((c) => c.channel === channel);
  const sessionCases = byChannel("session");
  const wsCases = byChannel("ws");
  const lane = { url: p.url, templates, nextId, recorder, shouldStop };
  await Promise.all([
    ...p.identities.map((identity, i) =>
      runSessionLane({
        ...lane,
        cases: sessionCases.filter((_, k) => k % p.identities.length === i),
        identity,
        layout: p.layout,
        ...(i === 0 ? { first, onSubmitTemplate: (submit: Record<string, unknown>) => {
          shared.submit = submit;
          templateReady();
        } } : {}),
      }),
    ),
    // The raw lanes start once the first session has signed a submission to corrupt.
    firstTemplate.then(() =>
      Promise.all([
        ...Array.from({ length: wsLanes }, (_, i) => runWsLane({ ...lane, cases: wsCases.filter((_, k) => k % wsLanes === i) })),
        runStreamLane({ ...lane, cases: p.cases.filter((c) => c.channel === "tcp" || c.channel === "polling") }),
      ]),
    ),
  ]);
  return recorder.report;
}
