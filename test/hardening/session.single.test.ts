import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import { type Ack, createParticipant, type FedLedgerError } from "@fedledger/client-sdk";
import { connectRawClient, type RawClient } from "../fixtures/rawClient.ts";
import { institution, type LedgerHandle, startCoordinator, startLedger } from "../fixtures/coordinatorHarness.ts";

describe("one session per address", () => {
  const [alice, bob, carol] = [institution(1), institution(2), institution(3)];
  let ledger: LedgerHandle;
  let started: Awaited<ReturnType<typeof startCoordinator>>;
  const raws: RawClient[] = [];
  const raw = async (inst: typeof alice, clientId?: `0x${string}`) => {
    const client = await connectRawClient(started.url, inst.account, clientId ? { clientId } : {});
    raws.push(client);
    return client;
  };
  const codeOf = (ack: Ack<unknown>) => (ack.ok ? "ok" : ack.error.code);
  const otherClient = keccak256(toHex("another client"));

  beforeAll(async () => {
    ledger = await startLedger({ institutions: [alice, bob, carol] });
    started = await startCoordinator(ledger);
  });

  afterAll(async () => {
    for (const c of raws) c.close();
    await started?.coordinator.close();
    await ledger?.chain.close();
  });

  it("refuses another client's login while the session is alive; the same client's reconnect replaces it", async () => {
    const first = await raw(alice);
    expect(codeOf(await first.authenticate())).toBe("ok");
    const intruder = await raw(alice, otherClient);
    expect(codeOf(await intruder.authenticate())).toBe("SESSION_ACTIVE");
    expect(first.socket.connected).toBe(true);

    const replaced = new Promise<string>((resolve) => first.socket.once("disconnect", resolve));
    const reconnect = await raw(alice); // same clientId as `first`
    expect(codeOf(await reconnect.authenticate())).toBe("ok");
    expect(await replaced).toBe("io server disconnect");
    expect(reconnect.socket.connected).toBe(true);
  });

  it("lets exactly one of two clients logging in at once win", async () => {
    const [x, y] = [await raw(bob), await raw(bob, otherClient)];
    const codes = await Promise.all([x.authenticate(), y.authenticate()]).then((acks) => acks.map(codeOf).sort());
    expect(codes).toEqual(["SESSION_ACTIVE", "ok"]);
  });

  it("the SDK keeps retrying on SESSION_ACTIVE and logs in once the old session ends", async () => {
    const holder = await raw(carol, otherClient);
    expect(codeOf(await holder.authenticate())).toBe("ok");
    const participant = createParticipant({
      coordinatorUrl: started.url,
      ...started.coordinator.domain,
      account: carol.account,
      data: carol.data,
      datasetCommitment: carol.commitment,
      reconnectDelayMs: 20,
      reconnectDelayMaxMs: 100,
    });
    const refusals: string[] = [];
    const refusedTwice = new Promise<void>((resolve) =>
      participant.events.on("error", (e: FedLedgerError) => {
        refusals.push(e.code);
        if (refusals.length === 2) resolve();
      }),
    );
    const session = participant.start();
    await refusedTwice;
    expect(refusals).toEqual(["SESSION_ACTIVE", "SESSION_ACTIVE"]);
    holder.close();
    expect((await session).address).toBe(carol.account.address);
    expect(participant.connected).toBe(true);
    await participant.stop();
  });
});
