import type { Hex, LocalAccount } from "viem";
import { EVENTS, type FitInstruction, type LayerSpec } from "@fedledger/client-sdk";
import { connectRawClient, constantUpdate, craftSubmission, type RawClient } from "../fixtures/rawClient.ts";
import { ANSWER_GRACE_MS, type AnswerBook, createAnswerBook, delay, PROBE_TIMEOUT_MS } from "./answerBook.ts";
import { event } from "./fuzzCase.ts";
import type { FuzzRecorder } from "./fuzzReport.ts";
import type { LaneParameters } from "./wsLane.ts";

export type FuzzIdentity = { account: LocalAccount; commitment: Hex };

/** Ack ids below this are the socket.io client's own (its login); the fuzzer's start here. */
export const FUZZ_ID_BASE = 1_000_000;

type Session = {
  raw: RawClient;
  book: AnswerBook;
  gone: Promise<"closed">;
  isGone: () => boolean;
  /** The `session:authenticate` payload this login sent (its challenge is spent). */
  loginPayload: Record<string, unknown>;
};

const PLACEHOLDER_FIT: FitInstruction = {
  round: 1,
  baseModelHash: `0x${"00".repeat(32)}`,
  model: new Uint8Array(0),
  modelSpec: null,
  trainConfig: null,
  dtype: "f32",
  deadline: 1,
};

/**
 * An honest login (the same one the SDK does), then the socket's raw engine.io connection
 * carries the cases. Retries while refused; undefined once the run is stopping.
 */
export async function loginSession(url: string, identity: FuzzIdentity, recorder: FuzzRecorder, shouldStop: () => boolean = () => false): Promise<Session | undefined> {
  for (let attempt = 1; !shouldStop(); attempt++) {
    let raw: RawClient | undefined;
    try {
      raw = await connectRawClient(url, identity.account);
      let isGone = false;
      const gone = new Promise<"closed">((resolve) => raw!.socket.once("disconnect", () => ((isGone = true), resolve("closed"))));
      let loginPayload: Record<string, unknown> = {};
      raw.socket.onAnyOutgoing((name: string, ...args: unknown[]) => {
        if (name === EVENTS.authenticate) loginPayload = args[0] as Record<string, unknown>;
      });
      const login = await raw.authenticate();
      if (!login.ok) throw new Error(`login refused: ${login.error.code}`);
      const book = createAnswerBook(recorder);
      raw.socket.io.on("packet", (packet) => {
        if (packet.type !== 3 || packet.nsp !== "/") return;
        if (typeof packet.id === "number" && packet.id >= 0 && packet.id < FUZZ_ID_BASE) return;
        book.deliver(packet.id, Array.isArray(packet.data) ? packet.data[0] : packet.data);
      });
      return { raw, book, gone, isGone: () => isGone, loginPayload };
    } catch (error) {
      raw?.close();
      recorder.refusedConnection();
      if (attempt >= 30) throw error;
      await delay(50 * attempt);
    }
  }
  return undefined;
}

/**
 * Sends each case over an honestly logged-in socket.io connection, as raw engine.io
 * messages, so that the authenticated handlers see them; logs in again whenever the
 * coordinator drops the connection. `onSubmitTemplate` receives each fresh valid submission
 * (signed for the open round) so the raw WebSocket lanes corrupt current messages too.
 */
export async function runSessionLane(
  p: LaneParameters & { identity: FuzzIdentity; layout: readonly LayerSpec[]; first?: Session; onSubmitTemplate?: (submit: Record<string, unknown>) => void },
): Promise<void> {
  let session: Session | undefined = p.first;
  let fit = PLACEHOLDER_FIT;
  const templates = new Map<string, Record<string, unknown>>();
  const submitTemplate = async (): Promise<Record<string, unknown>> => {
    fit = session?.raw.fits.at(-1) ?? fit;
    const key = `${fit.round}:${fit.baseModelHash}`;
    let template = templates.get(key);
    if (!template) {
      template = await craftSubmission({ account: p.identity.account, session: session!.raw.session, fit, layout: p.layout, update: constantUpdate(p.layout, 0.01), commitment: p.identity.commitment });
      templates.set(key, template);
      p.onSubmitTemplate?.(template);
    }
    return template;
  };
  const drop = () => {
    session?.book.close();
    session?.raw.close();
    session = undefined;
  };

  if (session && p.onSubmitTemplate) await submitTemplate(); // others wait for the first template, even with no cases here
  for (const c of p.cases) {
    if (p.shouldStop()) break;
    if (session?.isGone()) {
      p.recorder.closed();
      drop();
    }
    session ??= await loginSession(p.url, p.identity, p.recorder, p.shouldStop);
    if (!session) break;
    const ackId = p.nextId();
    const out = c.build({ ...p.templates(), submit: await submitTemplate(), ackId });
    if (out.kind !== "messages") throw new Error(`case ${c.id}: a session carries engine.io messages only`);
    const answered = session.book.expect(ackId, c);
    for (const m of out.messages) session.raw.socket.io.engine.send(m);
    p.recorder.sent(c);
    if (c.terminal) {
      await Promise.race([session.gone, delay(200)]);
      drop();
      continue;
    }

    const probeId = p.nextId();
    const probed = session.book.probe(probeId);
    session.raw.socket.io.engine.send(event([EVENTS.challenge], probeId));
    const probe = await Promise.race([probed.then(() => "answered" as const), session.gone, delay(PROBE_TIMEOUT_MS)]);
    if (probe === "timeout") {
      p.recorder.hang(c, "no answer to a probe");
      drop();
    } else if (probe === "answered" && c.expectsAnswer && session.book.isPending(ackId)) await Promise.race([answered, delay(ANSWER_GRACE_MS)]);
  }
  if (session) {
    await delay(ANSWER_GRACE_MS * 4);
    drop();
  }
}
