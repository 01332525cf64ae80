import { connect } from "node:net";
import { delay, PROBE_TIMEOUT_MS } from "./answerBook.ts";
import type { LaneParameters } from "./wsLane.ts";

/** Raw bytes on a fresh TCP connection: what came back first (an HTTP status line, or nothing). */
async function sendTcp(url: string, bytes: Uint8Array): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.on("error", () => {});
  let reply = "";
  socket.on("data", (chunk: Buffer) => (reply += chunk.toString("latin1", 0, 64)));
  socket.write(bytes);
  // A server waiting for the rest of a request keeps the socket; the sender gives up first.
  await Promise.race([new Promise((resolve) => socket.once("close", resolve)), delay(300)]);
  socket.destroy();
  return reply.split("\r\n", 1)[0] ?? "";
}

/** Opens an engine.io polling session, POSTs `body` into it, and closes it; returns the POST's status. */
async function sendPolling(url: string, body: Uint8Array | string): Promise<number> {
  const base = `${url}/socket.io/?EIO=4&transport=polling`;
  const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  const handshake = await (await fetch(base, { signal })).text();
  const sid = /"sid":"([^"]+)"/.exec(handshake)?.[1];
  if (!sid) return (await fetch(base, { method: "POST", body, signal })).status;
  const post = await fetch(`${base}&sid=${sid}`, { method: "POST", body, headers: { "content-type": "text/plain;charset=UTF-8" }, signal });
  await post.arrayBuffer();
  await fetch(`${base}&sid=${sid}`, { method: "POST", body: "1", signal }).then((r) => r.arrayBuffer(), () => undefined);
  return post.status;
}

/** Sends the raw-TCP and polling cases, one at a time; a 5xx answer or no answer at all is a finding. */
export async function runStreamLane(p: LaneParameters): Promise<void> {
  for (const c of p.cases) {
    if (p.shouldStop()) break;
    const out = c.build({ ...p.templates(), ackId: p.nextId() });
    p.recorder.sent(c);
    if (out.kind === "tcp") {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(await sendTcp(p.url, out.bytes))?.[1] ?? 0);
      if (status >= 500) p.recorder.serverError(c, status);
    } else if (out.kind === "polling") {
      const status = await sendPolling(p.url, out.body).catch((error: Error) => (error.name === "TimeoutError" ? -1 : 0));
      if (status === -1) p.recorder.hang(c, "no answer to a polling request");
      else if (status >= 500) p.recorder.serverError(c, status);
    } else throw new Error(`case ${c.id}: not a TCP or polling case`);
  }
}
