import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, type Address, erc20Abi, type Hex } from "viem";
import { contributionLedgerAbi, type FedLedgerError, isFedLedgerError } from "@fedledger/client-sdk";
import { type CoordinatorConfigInput, startCoordinator } from "@fedledger/coordinator";
import { deployWithIgnition } from "../../coordinator/src/ledger/deployWithIgnition.ts";
import { coordinatorConfig, genesisHash, institution, type LedgerHandle, startLedger } from "../fixtures/coordinatorHarness.ts";
import { freePort } from "../fixtures/freePort.ts";

// `fedledger-operator start` checks the chain, the ledger, the key, the funding and the
// evaluation data before it listens; each failure is one typed error, and nothing listens.
type LogLine = { level: number; msg: string } & Record<string, unknown>;

async function start(config: ReturnType<typeof coordinatorConfig>, account: Account) {
  const logs: LogLine[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  let listened = false;
  // An aborted signal: once listening, the engine stops at once and start returns.
  const outcome = await startCoordinator({ config, account, logger, signal: AbortSignal.abort(), onListening: () => (listened = true) }).then(
    () => undefined,
    (error: unknown) => error,
  );
  return { error: outcome, listened, logs };
}

function expectRefusal(result: Awaited<ReturnType<typeof start>>, code: string): FedLedgerError {
  expect(isFedLedgerError(result.error, code as FedLedgerError["code"]), String(result.error)).toBe(true);
  expect(result.listened).toBe(false);
  expect(result.logs.map((line) => line.msg)).not.toContain("coordinator listening");
  return result.error as FedLedgerError;
}

describe("preflight at start, on a real chain", () => {
  const alice = institution(1);
  const bob = institution(2);
  let handle: LedgerHandle;
  const config = (overrides: Partial<CoordinatorConfigInput> = {}, ledger: Address = handle.ledger, rpcUrl = handle.chain.rpcUrl) =>
    coordinatorConfig({ ledger }, rpcUrl, overrides);

  beforeAll(async () => {
    handle = await startLedger({ institutions: [alice, bob] });
  });

  afterAll(async () => {
    await handle?.chain.close();
  });

  it("an unreachable RPC endpoint: CHAIN_ERROR naming the URL", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const error = expectRefusal(await start(config({}, handle.ledger, dead), handle.operator), "CHAIN_ERROR");
    expect(error.shortMessage).toBe(`Cannot reach the chain at ${dead} (chain.rpcUrl)`);
  });

  it("a ledger address without code, or a contract that is no ledger: INVALID_CONFIG naming the address", async () => {
    const empty = expectRefusal(await start(config({}, alice.account.address), handle.operator), "INVALID_CONFIG");
    expect(empty.shortMessage).toBe(`No contract at chain.ledger ${alice.account.address} on chain 31337 (${handle.chain.rpcUrl})`);
    const token = expectRefusal(await start(config({}, handle.token), handle.operator), "INVALID_CONFIG");
    expect(token.shortMessage).toBe(`The contract at chain.ledger ${handle.token} is not a ContributionLedger`);
  });

  it("a key without the coordinator role: MISSING_ROLE naming the role, not its hash", async () => {
    const error = expectRefusal(await start(config(), alice.account), "MISSING_ROLE");
    expect(error.shortMessage).toBe(`The coordinator key ${alice.account.address} does not hold COORDINATOR_ROLE on the ledger ${handle.ledger}`);
    expect(error.message).not.toMatch(/0x[0-9a-f]{64}/);
  });

  it("evaluation data that does not fit the model: SHAPE_MISMATCH", async () => {
    const csv = join(mkdtempSync(join(tmpdir(), "fedledger-preflight-")), "three-features.csv");
    writeFileSync(csv, ["a,b,c,label", "0.1,0.2,0.3,0", "0.4,0.5,0.6,1", "0.7,0.8,0.9,2"].join("\n"));
    const error = expectRefusal(await start(config({ evaluation: { dataset: `csv:${csv}`, labelColumn: "label" } }), handle.operator), "SHAPE_MISMATCH");
    expect(error.shortMessage).toContain("does not fit the model");
  });

  it("funding below one round's budget is refused in token units; below the rounds left it warns, then listens", async () => {
    // A second ledger on the same chain, not funded yet (its budget: 1000 FLR a round).
    const unfunded = await deployWithIgnition({ networkName: "localhost", rpcUrl: handle.chain.rpcUrl, genesisModelHash: await genesisHash() });
    const refused = expectRefusal(await start(config({ rounds: { rounds: 3 } }, unfunded.ledger), handle.operator), "LEDGER_UNDERFUNDED");
    expect(refused.shortMessage).toBe("The ledger's funding covers no round: 0 FLR left, one round's budget is 1000 FLR");
    expect(refused.details).toBe("fund at least 1000 FLR more before starting");

    const send = async (hash: Promise<Hex>) => handle.publicClient.waitForTransactionReceipt({ hash: await hash });
    const amount = 1_500n * 10n ** 18n;
    await send(handle.wallet.writeContract({ address: unfunded.token, abi: erc20Abi, functionName: "approve", args: [unfunded.ledger, amount] }));
    await send(handle.wallet.writeContract({ address: unfunded.ledger, abi: contributionLedgerAbi, functionName: "fund", args: [amount] }));

    const started = await start(config({ rounds: { rounds: 3 } }, unfunded.ledger), handle.operator);
    expect(started.error).toBeUndefined();
    expect(started.listened).toBe(true);
    const warning = started.logs.find((line) => line.level === 40);
    expect(warning?.msg).toBe("the ledger's funding covers 1 of the 3 rounds left: fund 1500 FLR more to pay them all");
    const messages = started.logs.map((line) => line.msg);
    expect(messages.indexOf("preflight passed")).toBeGreaterThanOrEqual(0);
    expect(messages.indexOf("preflight passed")).toBeLessThan(messages.indexOf("coordinator listening"));
  });
});
