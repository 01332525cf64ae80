import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { contributionLedgerAbi } from "@fedledger/client-sdk";
import { HARDHAT_MNEMONIC, institution, startLedger, TINY_SPEC, tinyLayout } from "../fixtures/coordinatorHarness.ts";
import { freePort } from "../fixtures/freePort.ts";
import { constantUpdate, connectRawClient, craftSubmission } from "../fixtures/rawClient.ts";

function startCoordinatorProcess(configFile: string): ChildProcess {
  return spawn(process.execPath, ["--conditions=source", "coordinator/src/cli/main.ts", "start", "--config", configFile, "--log-level", "warn"], {
    env: { ...process.env, FEDLEDGER_MNEMONIC: HARDHAT_MNEMONIC },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

async function healthy(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("coordinator did not come up");
}

describe("durability across a coordinator crash", () => {
  it("SIGKILL mid-round: acknowledged updates survive and the round is recorded exactly once", async () => {
    const [alice, bob] = [institution(1), institution(2)];
    const ledger = await startLedger({ institutions: [alice, bob] });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const configFile = join(mkdtempSync(join(tmpdir(), "fedledger-crash-")), "coordinator.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        chain: { rpcUrl: ledger.chain.rpcUrl, ledger: ledger.ledger },
        server: { port, finalModelGraceMs: 0 }, // the raw clients never fetch the final model
        rounds: { rounds: 1, minFitClients: 2, minAvailableClients: 2, fitTimeoutMs: 60_000, availabilityTimeoutMs: 60_000 },
        model: { spec: TINY_SPEC },
        training: { epochs: 1, batchSize: 16, learningRate: 0.1 },
        storage: { dir: join(configFile, "..", "state") },
      }),
    );

    let child = startCoordinatorProcess(configFile);
    await healthy(url);
    const a = await connectRawClient(url, alice.account);
    const b = await connectRawClient(url, bob.account);
    await a.authenticate();
    await b.authenticate();
    const fit = await a.nextFit(1);
    const aliceUpdate = await craftSubmission({ account: alice.account, session: a.session, fit, layout: tinyLayout, update: constantUpdate(tinyLayout, 0.05), commitment: alice.commitment, numSamples: 80 });
    expect(await a.submit(aliceUpdate)).toMatchObject({ ok: true, data: { duplicate: false } });

    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    a.close();
    b.close();

    child = startCoordinatorProcess(configFile);
    await healthy(url);
    const a2 = await connectRawClient(url, alice.account);
    await a2.authenticate();
    // The acknowledged update is still there: resending it is a duplicate, not a new update.
    expect(await a2.submit(aliceUpdate)).toMatchObject({ ok: true, data: { duplicate: true } });
    const b2 = await connectRawClient(url, bob.account);
    await b2.authenticate();
    const fitAgain = await b2.nextFit(1); // re-sent: bob is selected and has no update yet
    expect(fitAgain.baseModelHash).toBe(fit.baseModelHash);
    const bobUpdate = await craftSubmission({ account: bob.account, session: b2.session, fit: fitAgain, layout: tinyLayout, update: constantUpdate(tinyLayout, -0.05), commitment: bob.commitment, numSamples: 90 }); // at most the 96 registered records
    expect((await b2.submit(bobUpdate)).ok).toBe(true);
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
    a2.close();
    b2.close();

    const rounds = await ledger.publicClient.getContractEvents({ address: ledger.ledger, abi: contributionLedgerAbi, eventName: "RoundRecorded", fromBlock: 0n });
    const updates = await ledger.publicClient.getContractEvents({ address: ledger.ledger, abi: contributionLedgerAbi, eventName: "UpdateRecorded", fromBlock: 0n });
    expect(rounds).toHaveLength(1);
    expect(updates.find((u) => u.args.participant === alice.account.address)?.args.updateHash).toBe(aliceUpdate.updateHash);
    expect(updates.find((u) => u.args.participant === bob.account.address)?.args.updateHash).toBe(bobUpdate.updateHash);
    await ledger.chain.close();
  });
});
