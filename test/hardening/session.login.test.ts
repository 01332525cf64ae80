import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as dial } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Address, type Hex, keccak256, toHex } from "viem";
import {
  type Ack,
  type Challenge,
  type ClientToServerEvents,
  coordinatorOrigin,
  createParticipant,
  encodeWeights,
  type FedLedgerError,
  initialWeights,
  type LedgerDomainParameters,
  recoverUpdateSigner,
  type ServerToClientEvents,
  type Session,
  type SubmitUpdate,
  socketParser,
} from "@fedledger/client-sdk";
import { connectRawClient, type RawClient } from "../fixtures/rawClient.ts";
import {
  genesisHash,
  institution,
  type LedgerHandle,
  startCoordinator,
  startLedger,
  TINY_SPEC,
  tinyLayout,
  tinySpec,
} from "../fixtures/coordinatorHarness.ts";

type RelayServer = Server<ClientToServerEvents, ServerToClientEvents>;

/** A real socket.io server on 127.0.0.1; `setup` wires its handlers. */
async function startPeerServer(setup: (io: RelayServer, url: string) => void) {
  const http = createServer();
  const io: RelayServer = new Server(http, { parser: socketParser, serveClient: false });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  setup(io, url);
  return { url, close: () => io.close() };
}

/**
 * A phishing coordinator: each participant that dials it is relayed to the real
 * coordinator under the participant's own handshake. Challenges pass through
 * `rewrite`; login signatures are forwarded, and what the real coordinator answers is
 * recorded.
 */
function startRelay(target: string, rewrite: (challenge: Challenge, relayUrl: string) => Challenge) {
  const seen = { challenges: 0, signatures: [] as Hex[], answers: [] as Ack<Session>[] };
  const relay = startPeerServer((io, relayUrl) => {
    io.on("connection", (victim) => {
      const upstream = dial(target, { parser: socketParser, auth: victim.handshake.auth, transports: ["websocket"], reconnection: false, forceNew: true });
      victim.on("session:challenge", async (ack) => {
        const issued = (await upstream.emitWithAck("session:challenge")) as Ack<Challenge>;
        seen.challenges += 1;
        ack(issued.ok ? { ok: true, data: rewrite(issued.data, relayUrl) } : issued);
      });
      victim.on("session:authenticate", async (payload, ack) => {
        seen.signatures.push(payload.signature);
        const answer = (await upstream.emitWithAck("session:authenticate", payload)) as Ack<Session>;
        seen.answers.push(answer);
        ack(answer);
      });
      victim.on("disconnect", () => upstream.disconnect());
    });
  });
  return relay.then((r) => ({ ...r, seen }));
}

describe("the login binds chain, ledger, coordinator, nonce, expiry and client", () => {
  const [alice, bob, carol] = [institution(1), institution(2), institution(3)];
  let ledger: LedgerHandle;
  let url: string;
  let domain: LedgerDomainParameters;
  let skewMs = 0;
  const raws: RawClient[] = [];
  const raw = async (inst = alice, options: Parameters<typeof connectRawClient>[2] = {}) => {
    const client = await connectRawClient(url, inst.account, options);
    raws.push(client);
    return client;
  };
  const participant = (inst: typeof alice, coordinatorUrl: string, own: LedgerDomainParameters = domain) =>
    createParticipant({ coordinatorUrl, ...own, account: inst.account, data: inst.data, datasetCommitment: inst.commitment, reconnectDelayMs: 50, reconnectDelayMaxMs: 200 });
  const codeOf = (ack: Ack<unknown>) => (ack.ok ? "ok" : ack.error.code);

  beforeAll(async () => {
    ledger = await startLedger({ institutions: [alice, bob, carol] });
    // A clock the test can move forward, for challenge expiry; no round runs here.
    const started = await startCoordinator(ledger, {}, { now: () => Date.now() + skewMs });
    url = started.url;
    domain = started.coordinator.domain;
  });

  afterAll(async () => {
    for (const c of raws) c.close();
    await ledger?.chain.close();
  });

  it("an SDK participant logs in with its own chain and ledger, by http or ws URL", async () => {
    for (const dialled of [url, url.replace("http://", "ws://")]) {
      const p = participant(alice, dialled);
      expect(await p.start()).toEqual({ address: alice.account.address, ...domain, modelSpec: TINY_SPEC });
      await p.stop();
    }
  });

  it("the challenge names the coordinator's configured origin, never the request's Host header", async () => {
    const spoofed = await raw(bob, { io: { extraHeaders: { Host: "relay.example:9999" } } });
    const issued = await spoofed.challenge();
    expect(issued).toMatchObject({ ok: true, data: { chainId: domain.chainId, ledger: domain.ledger, coordinator: coordinatorOrigin(url) } });

    const behindProxy = await startCoordinator(ledger, { server: { port: 0, publicUrl: "https://fl.example.org:8443/socket" } });
    const client = await connectRawClient(behindProxy.url, bob.account);
    expect(await client.challenge()).toMatchObject({ ok: true, data: { coordinator: "https://fl.example.org:8443" } });
    // A login signed for the URL the client happened to dial is refused.
    const issuedThere = await client.challenge();
    if (!issuedThere.ok) throw new Error("no challenge");
    expect(codeOf(await client.login(await client.signLogin(issuedThere.data, { coordinator: coordinatorOrigin(behindProxy.url) })))).toBe("INVALID_SIGNATURE");
    client.close();
    await behindProxy.coordinator.close();
  });

  it("a relay forwarding the real challenge: the victim refuses it and signs nothing", async () => {
    const relay = await startRelay(url, (challenge) => challenge);
    const victim = participant(bob, relay.url);
    const refusal = await victim.start().then(() => undefined, (e: FedLedgerError) => e);
    expect(refusal?.code).toBe("CHALLENGE_MISMATCH");
    expect(refusal?.details).toContain(`dialled ${coordinatorOrigin(relay.url)}, got ${coordinatorOrigin(url)}`);
    expect(relay.seen.challenges).toBe(1);
    expect(relay.seen.signatures).toEqual([]);
    await victim.stop();
    await relay.close();
  });

  it("a relay rewriting the URL to its own: the real coordinator refuses the victim's signature", async () => {
    const relay = await startRelay(url, (challenge, relayUrl) => ({ ...challenge, coordinator: relayUrl }));
    const victim = participant(bob, relay.url);
    const refusal = await victim.start().then(() => undefined, (e: FedLedgerError) => e);
    expect(relay.seen.signatures).toHaveLength(1);
    expect(relay.seen.answers.map(codeOf)).toEqual(["INVALID_SIGNATURE"]);
    expect(refusal?.code).toBe("INVALID_SIGNATURE");
    await victim.stop();
    await relay.close();
  });

  it("a challenge for another chain or ledger is refused, naming what differs", async () => {
    const otherLedger = "0x000000000000000000000000000000000000dEaD" as Address;
    const relay = await startRelay(url, (challenge, relayUrl) => ({ ...challenge, coordinator: relayUrl, chainId: 1, ledger: otherLedger }));
    const refusal = await participant(bob, relay.url).start().then(() => undefined, (e: FedLedgerError) => e);
    expect(refusal?.code).toBe("CHALLENGE_MISMATCH");
    expect(refusal?.details).toContain(`chain id: expected ${domain.chainId}, got 1`);
    expect(refusal?.details).toContain(`ledger: expected ${domain.ledger}, got ${otherLedger}`);
    expect(relay.seen.signatures).toEqual([]);
    await relay.close();
  });

  it("refuses an expired challenge", async () => {
    const c = await raw(bob);
    const issued = await c.challenge();
    if (!issued.ok) throw new Error("no challenge");
    const signature = await c.signLogin(issued.data);
    skewMs = issued.data.expiresAt - Date.now() + 1; // the coordinator's clock passes the expiry
    try {
      expect(codeOf(await c.login(signature))).toBe("UNAUTHENTICATED");
    } finally {
      skewMs = 0;
    }
    expect(codeOf(await c.authenticate())).toBe("ok");
  });

  it("nonces are single use: a replayed login fails on the same socket and on another", async () => {
    const first = await raw(carol);
    const issued = await first.challenge();
    if (!issued.ok) throw new Error("no challenge");
    const signature = await first.signLogin(issued.data);
    expect(codeOf(await first.login(signature))).toBe("ok");
    expect(codeOf(await first.login(signature))).toBe("UNAUTHENTICATED");
    // Another socket (the same client, so not SESSION_ACTIVE): without a challenge, then with a fresh one.
    const second = await raw(carol);
    expect(codeOf(await second.login(signature))).toBe("UNAUTHENTICATED");
    expect((await second.challenge()).ok).toBe(true);
    expect(codeOf(await second.login(signature))).toBe("INVALID_SIGNATURE");
    // A failed attempt spends the nonce too.
    const fresh = await second.challenge();
    if (!fresh.ok) throw new Error("no challenge");
    expect(codeOf(await second.login(await second.signLogin(fresh.data, { signer: bob.account })))).toBe("INVALID_SIGNATURE");
    expect(codeOf(await second.login(await second.signLogin(fresh.data)))).toBe("UNAUTHENTICATED");
  });

  it("refuses a login signed for another clientId, another domain or another coordinator", async () => {
    const c = await raw(bob);
    const overrides = [
      { clientId: keccak256(toHex("another client")) },
      { domain: { ...domain, chainId: domain.chainId + 1 } },
      { domain: { ...domain, ledger: "0x000000000000000000000000000000000000dEaD" as Address } },
      { coordinator: "http://relay.example" },
    ];
    for (const o of overrides) {
      const issued = await c.challenge();
      if (!issued.ok) throw new Error("no challenge");
      expect(codeOf(await c.login(await c.signLogin(issued.data, o))), JSON.stringify(o)).toBe("INVALID_SIGNATURE");
    }
  });

  it("signs updates in its own configured domain, not the one a hostile coordinator's session names", async () => {
    const model = encodeWeights(initialWeights(tinySpec, 0), tinyLayout);
    let submitted: (s: SubmitUpdate) => void = () => {};
    const submission = new Promise<SubmitUpdate>((resolve) => (submitted = resolve));
    // A coordinator that issues a correct challenge, then names another chain and ledger in the session.
    const hostile = await startPeerServer((io, hostileUrl) => {
      io.on("connection", (socket) => {
        socket.on("session:challenge", (ack) =>
          ack({ ok: true, data: { ...domain, coordinator: coordinatorOrigin(hostileUrl), nonce: keccak256(toHex("n")), expiresAt: Date.now() + 60_000 } }),
        );
        socket.on("session:authenticate", async (_payload, ack) => {
          ack({ ok: true, data: { address: bob.account.address, chainId: 1, ledger: "0x000000000000000000000000000000000000dEaD" } });
          socket.emit(
            "round:fit",
            {
              round: 1,
              baseModelHash: await genesisHash(),
              model,
              modelSpec: TINY_SPEC,
              trainConfig: { epochs: 1, batchSize: 16, learningRate: 0.1 },
              dtype: "f32",
              deadline: Date.now() + 60_000,
            },
            () => {},
          );
        });
        socket.on("round:submit", (payload, ack) => {
          submitted(payload);
          ack({ ok: false, error: { code: "ROUND_NOT_OPEN", message: "test over" } });
        });
      });
    });
    const p = participant(bob, hostile.url);
    const failed = new Promise<never>((_, reject) => p.events.on("error", reject));
    await p.start();
    const s = await Promise.race([submission, failed]);
    await p.stop();
    await hostile.close();
    const message = { round: 1n, baseModelHash: s.baseModelHash, updateHash: s.updateHash, numSamples: BigInt(s.numSamples), datasetCommitment: bob.commitment };
    expect(await recoverUpdateSigner(domain, message, s.signature)).toBe(bob.account.address);
  });
});
