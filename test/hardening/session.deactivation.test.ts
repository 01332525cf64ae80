import { afterAll, describe, expect, it } from "vitest";
import { contributionLedgerAbi, createParticipant, type FedLedgerError } from "@fedledger/client-sdk";
import { connectRawClient } from "../fixtures/rawClient.ts";
import { institution, startCoordinator, startLedger, type LedgerHandle } from "../fixtures/coordinatorHarness.ts";

describe("a participant deactivated on the ledger", () => {
  const [alice, bob, carol] = [institution(1), institution(2), institution(3)];
  let ledger: LedgerHandle | undefined;
  afterAll(async () => ledger?.chain.close());

  it("loses its open session at once, and cannot log in again; others keep theirs", async () => {
    ledger = await startLedger({ institutions: [alice, bob, carol] });
    const { coordinator, url } = await startCoordinator(ledger, { server: { port: 0, ackTimeoutMs: 5_000, registryPollIntervalMs: 100 } });
    const [a, b] = [await connectRawClient(url, alice.account), await connectRawClient(url, bob.account)];
    expect((await a.authenticate()).ok).toBe(true);
    expect((await b.authenticate()).ok).toBe(true);
    // Carol runs the SDK: closed by the coordinator, it logs in again, is refused, and stops.
    const sdk = createParticipant({ coordinatorUrl: url, ...coordinator.domain, account: carol.account, data: carol.data, datasetCommitment: carol.commitment, reconnectDelayMs: 20 });
    await sdk.start();
    const sdkRefused = new Promise<string>((resolve) => sdk.events.on("error", (e: FedLedgerError) => resolve(e.code)));

    const aliceClosed = new Promise<string>((resolve) => a.socket.once("disconnect", resolve));
    for (const inst of [alice, carol]) {
      const hash = await ledger.wallet.writeContract({ address: ledger.ledger, abi: contributionLedgerAbi, functionName: "deactivateParticipant", args: [inst.account.address] });
      await ledger.publicClient.waitForTransactionReceipt({ hash });
    }
    expect(await aliceClosed).toBe("io server disconnect");
    expect(await sdkRefused).toBe("NOT_REGISTERED");
    expect(sdk.connected).toBe(false);

    const again = await connectRawClient(url, alice.account);
    expect(await again.authenticate()).toMatchObject({ ok: false, error: { code: "NOT_REGISTERED" } });
    expect(b.socket.connected).toBe(true);
    for (const c of [a, b, again]) c.close();
    await coordinator.close();
  });
});
