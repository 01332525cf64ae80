import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Address, parseEther, zeroAddress } from "viem";
import {
  claimRewards,
  contributionLedgerAbi,
  createDashboardHandler,
  createParticipant,
  createLedgerReader,
  createLedgerWallet,
  type DashboardData,
  decodeAuditBundle,
  encodeAuditBundle,
  formatAmount,
  type LedgerReader,
  bundleRoundDetails,
  readDashboardData,
  readRewardToken,
  roundStatementDigest,
  startDashboardServer,
} from "@fedledger/client-sdk";
import type { Coordinator } from "@fedledger/coordinator";
import { dashboardCommand } from "../../client-sdk/src/cli/commands/dashboard.ts";
import { exportAudit } from "../../coordinator/src/cli/commands/exportAudit.ts";
import { assertChromium, type Browser, launchBrowser } from "../fixtures/browser.ts";
import { PARTICIPANT_CLI, runCli } from "../fixtures/cliProcess.ts";
import { institution, type LedgerHandle, startCoordinator, startLedger, syntheticDataset, tinyLayout } from "../fixtures/coordinatorHarness.ts";
import { joined, recorded } from "../fixtures/federation.ts";
import { constantUpdate, craftSubmission, type RawClient } from "../fixtures/rawClient.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const [alice, bob, mallory] = [institution(1), institution(2), institution(3)];
/** A metric name a hostile bundle could carry: shown as text, never parsed as HTML. */
const HOSTILE_METRIC = '<img src=x onerror="document.title=1">';

type Finished = Awaited<ReturnType<Coordinator["run"]>>;

/** Mallory's update each round: far beyond the round's median norm, so it is left out (NORM_EXCEEDED). */
async function poison(client: RawClient, round: number): Promise<void> {
  const fit = await client.nextFit(round);
  const update = constantUpdate(tinyLayout, 1e6);
  const ack = await client.submit(await craftSubmission({ account: mallory.account, session: client.session, fit, layout: tinyLayout, update, commitment: mallory.commitment, numSamples: 96 }));
  if (!ack.ok) throw new Error(`the outlier must pass every per-update check: ${ack.error.code}`);
}

/** Opens `url`, waits until the page rendered its data (or failed), and reports console errors and CSP violations. */
async function openDashboard(browser: Browser, url: string) {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  const response = await page.goto(url);
  await page.waitForSelector("body[data-state=ready], body[data-state=error]");
  return { page, response, problems };
}

/** What the page shows, read from its DOM and its uPlot instance. */
async function snapshot(page: Page) {
  const rows = (table: string) =>
    page.locator(`#${table} tbody tr`).evaluateAll((trs) =>
      trs.map((tr) => ({
        data: { ...tr.dataset } as Record<string, string>,
        cells: [...tr.cells].map((td) => (td.textContent ?? "") as string),
        titles: [...tr.querySelectorAll("code")].map((c) => c.title as string),
        shares: [...tr.querySelectorAll(".share")].map((s) => [Number(s.dataset.round), Number(s.dataset.share)] as [number, number]),
      })),
    );
  return {
    state: await page.locator("body").getAttribute("data-state"),
    status: await page.locator("#status").textContent(),
    rounds: await rows("rounds-table"),
    participants: await rows("participants-table"),
    attribution: await rows("attribution-table"),
    claims: await rows("claims-table"),
    refusals: await rows("refusals-table"),
    refusalList: await rows("refusals-list"),
    chart: await page.evaluate<(number | null)[][] | null>("window.fedledgerDashboard?.chart ? window.fedledgerDashboard.chart.data.map((s) => [...s]) : null"),
    points: await page.locator("#metrics-chart").getAttribute("data-points"),
    canvases: await page.locator("#metrics-chart canvas").count(),
    metricsNote: await page.locator("#metrics-note").textContent(),
    refusalsNote: await page.locator("#refusals-note").textContent(),
    images: await page.locator("img").count(),
    title: await page.title(),
  };
}

/** `fedledger dashboard …` as a separate process; resolves with the URL it prints. */
function startDashboardProcess(args: readonly string[]): Promise<{ url: string; child: ChildProcessWithoutNullStreams; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ["--conditions=source", PARTICIPANT_CLI, "dashboard", ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? "" } });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /^(http:\/\/\S+\/dashboard\/)$/m.exec(stdout)?.[1];
      if (url) resolve({ url, child, stop: () => (child.kill("SIGTERM"), exited) });
    });
    void exited.then((code) => reject(new Error(`fedledger dashboard exited (${code}) before listening: ${stderr}`)));
  });
}

/** The chain's part of the data: what every server of the same ledger must agree on. */
function chainPart(data: DashboardData) {
  return {
    ...data,
    blockNumber: undefined,
    details: undefined,
    refusalsByReason: undefined,
    rounds: data.rounds.map((r) => ({ ...r, metrics: undefined, refusals: undefined })),
    participants: data.participants.map((p) => ({ ...p, refusals: undefined })),
  };
}

describe("the contributor dashboard, in chromium, over a real federation", () => {
  let ledger: LedgerHandle;
  let coordinator: Coordinator;
  let url: string;
  let storeDir: string;
  let reader: LedgerReader;
  let finished: Finished;
  let browser: Browser;
  let bundleFile: string;
  let claimedAmount: bigint;
  let served: DashboardData;

  beforeAll(async () => {
    assertChromium(); // before the federation: a missing browser fails at once, saying why
    const launching = launchBrowser();
    launching.catch(() => undefined); // awaited below; a failure surfaces there
    ledger = await startLedger({ institutions: [alice, bob, mallory] });
    const started = await startCoordinator(
      ledger,
      { rounds: { rounds: 2, minFitClients: 2, minAvailableClients: 3, fitTimeoutMs: 30_000, availabilityTimeoutMs: 30_000 }, safety: { validationGate: true } },
      { evaluationData: syntheticDataset(77, 200) },
    );
    ({ coordinator, url } = started);
    storeDir = started.config.storage.dir;
    const honest = [alice, bob].map((inst) =>
      createParticipant({ coordinatorUrl: url, ...coordinator.domain, account: inst.account, data: inst.data, datasetCommitment: inst.commitment }),
    );
    await Promise.all(honest.map((p) => p.start()));
    const m = await joined(url, mallory);
    try {
      const run = coordinator.run();
      await poison(m, 1);
      await poison(m, 2);
      finished = await run;
    } finally {
      await Promise.all(honest.map((p) => p.stop()));
      m.close();
    }
    // Alice claims (with gas from the operator), so the page has a claim to show.
    reader = createLedgerReader({ rpcUrl: ledger.chain.rpcUrl, ledger: ledger.ledger });
    await ledger.publicClient.waitForTransactionReceipt({ hash: await ledger.wallet.sendTransaction({ to: alice.account.address, value: parseEther("1") }) });
    claimedAmount = (await claimRewards(reader, await createLedgerWallet(reader, alice.account))).amount;
    bundleFile = join(mkdtempSync(join(tmpdir(), "fedledger-dashboard-")), "audit.bundle");
    await exportAudit({ storeDir, out: bundleFile }, reader);
    served = (await (await fetch(`${url}/dashboard/data.json`)).json()) as DashboardData;
    browser = await launching;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await coordinator?.close();
    await ledger?.chain.close();
  });

  it("the coordinator's /dashboard shows the recorded rounds, a chart point per round, rewards, claims and refusals", async () => {
    const { page, response, problems } = await openDashboard(browser, `${url}/dashboard`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${url}/dashboard/`);
    const csp = (await response?.allHeaders())?.["content-security-policy"] ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    const shown = await snapshot(page);
    expect(shown.state, shown.status ?? "").toBe("ready");
    expect(problems).toEqual([]);

    // Exactly the recorded rounds, with the chain's hashes and transactions.
    const chain = await recorded(ledger);
    expect(finished.map((r) => r.round)).toEqual([1, 2]);
    expect(shown.rounds.map((r) => r.data)).toEqual(
      chain.rounds.map((e) => ({ round: String(e.args.round), base: e.args.baseModelHash, aggregate: e.args.aggregateModelHash, tx: e.transactionHash })),
    );
    for (const [i, e] of chain.rounds.entries()) {
      expect(shown.rounds[i]!.titles.slice(0, 3)).toEqual([e.args.baseModelHash, e.args.aggregateModelHash, e.transactionHash]);
      expect(shown.rounds[i]!.cells[3]).toBe("✓ continues");
      expect(shown.rounds[i]!.cells[6]).toBe("2"); // alice and bob; mallory left out
      expect(shown.rounds[i]!.cells[11]).toBe("1");
    }

    // The chart: one point per recorded round, the coordinator's accuracy and loss.
    expect(shown.canvases).toBeGreaterThan(0);
    expect(shown.points).toBe("2");
    expect(shown.chart).toEqual([[1, 2], finished.map((r) => r.metrics.accuracy), finished.map((r) => r.metrics.loss)]);
    expect(shown.rounds.map((r) => r.cells[8])).toEqual(finished.map((r) => r.metrics.accuracy!.toFixed(4)));

    // Rewards and claims as the contract holds them, in token units.
    const token = await readRewardToken(reader);
    const read = { address: ledger.ledger, abi: contributionLedgerAbi } as const;
    const byAddress = new Map(shown.participants.map((p) => [p.data.address, p]));
    expect([...byAddress.keys()].sort()).toEqual([alice, bob, mallory].map((i) => i.account.address).sort());
    for (const inst of [alice, bob, mallory]) {
      const info = await ledger.publicClient.readContract({ ...read, functionName: "participantInfo", args: [inst.account.address] });
      const row = byAddress.get(inst.account.address)!;
      expect(row.data).toMatchObject({ credited: String(info.credited), claimed: String(info.claimed), claimable: String(info.credited - info.claimed) });
      expect(row.cells[5]).toBe(formatAmount(info.credited, token));
    }
    expect(byAddress.get(alice.account.address)!.cells[8]).toBe("1");
    expect(byAddress.get(mallory.account.address)!.cells.slice(2, 3)).toEqual(["0"]);
    expect(byAddress.get(mallory.account.address)!.cells[9]).toBe("2");
    expect(shown.claims.map((c) => c.data)).toEqual([{ address: alice.account.address, amount: String(claimedAmount) }]);

    // Attribution: each round's score shares of alice and bob, summing to 1.
    for (const round of [1, 2]) {
      const shares = shown.attribution.flatMap((p) => p.shares.filter(([r]) => r === round).map(([, s]) => s));
      expect(shares).toHaveLength(2);
      expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }

    // Refusals by reason, and which update each one was.
    expect(shown.refusals.map((r) => [r.data.reason, r.data.count])).toEqual([["NORM_EXCEEDED", "2"]]);
    expect(shown.refusalList.map((r) => [r.cells[0], r.titles[0], r.cells[2]])).toEqual([1, 2].map((round) => [String(round), mallory.account.address, "NORM_EXCEEDED"]));
    await page.close();
  });

  it("`fedledger dashboard --bundle` serves the same chain data, with the signed statements' accuracy, loss and refusals, and escapes what the bundle names", async () => {
    // A bundle whose metrics carry a name meant to be HTML.
    const bundle = decodeAuditBundle(readFileSync(bundleFile));
    const hostile = join(mkdtempSync(join(tmpdir(), "fedledger-dashboard-")), "hostile.bundle");
    writeFileSync(hostile, encodeAuditBundle({ ...bundle, rounds: bundle.rounds.map((r) => ({ ...r, metrics: { ...r.metrics, [HOSTILE_METRIC]: 7 } })) }));
    const server = await startDashboardProcess(["--rpc-url", ledger.chain.rpcUrl, "--ledger", ledger.ledger, "--port", "0", "--bundle", hostile]);
    try {
      const data = (await (await fetch(new URL("data.json", server.url))).json()) as DashboardData;
      expect(chainPart(data)).toEqual(chainPart(served));
      expect(data.rounds.map((r) => [r.metrics?.accuracy, r.metrics?.loss])).toEqual(finished.map((r) => [r.metrics.accuracy, r.metrics.loss]));
      expect(data.details).toMatchObject({ source: "audit bundle", roundsWithMetrics: 2, roundsWithRefusals: 2, mismatchedRounds: [] });
      // The refusals come from each round's signed statement: mallory's update, left out of both rounds.
      expect(data.refusalsByReason).toEqual(served.refusalsByReason);
      expect(data.rounds.map((r) => r.refusals)).toEqual(served.rounds.map((r) => r.refusals));

      const { page, problems } = await openDashboard(browser, server.url);
      const shown = await snapshot(page);
      expect(shown.state, shown.status ?? "").toBe("ready");
      expect(problems).toEqual([]);
      expect(shown.points).toBe("2");
      expect(shown.chart?.[1]).toEqual(finished.map((r) => r.metrics.accuracy));
      expect(shown.rounds.map((r) => r.data.aggregate)).toEqual(served.rounds.map((r) => r.aggregateModelHash));
      expect(shown.rounds[0]!.cells[10]).toContain(`${HOSTILE_METRIC} = 7`);
      expect([shown.images, shown.title]).toEqual([0, "fedledger: contributor dashboard"]);
      expect(shown.refusalsNote).toBe("Updates the coordinator left out of a round or refused, from the audit bundle.");
      expect(shown.refusals.map((r) => [r.data.reason, r.data.count])).toEqual([["NORM_EXCEEDED", "2"]]);
      await page.close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it("without a details source, the page says accuracy, loss and refusals are off-chain and not available", async () => {
    const { result, server } = await dashboardCommand({ rpcUrl: ledger.chain.rpcUrl, host: "127.0.0.1", port: 0 }, { reader });
    try {
      expect(result).toMatchObject({ ledger: ledger.ledger, rounds: 2, details: null });
      const data = (await (await fetch(new URL("data.json", server.url))).json()) as DashboardData;
      expect(chainPart(data)).toEqual(chainPart(served));
      expect(data.rounds.map((r) => [r.metrics, r.refusals])).toEqual([[null, null], [null, null]]);
      const { page } = await openDashboard(browser, server.url);
      const shown = await snapshot(page);
      expect([shown.state, shown.points, shown.chart, shown.canvases]).toEqual(["ready", "0", null, 0]);
      expect(shown.metricsNote).toMatch(/^Accuracy and loss are off-chain round details, not available here/);
      expect(shown.refusalsNote).toMatch(/^Refusals are off-chain round details, not available here/);
      expect(shown.rounds).toHaveLength(2);
      await page.close();
    } finally {
      await server.close();
    }
  });

  it("round details that name another aggregate than the chain are not shown; a failing source leaves the chain data", async () => {
    const source = (aggregate: `0x${string}`) => ({
      description: "test source",
      read: async () => new Map([[1, { aggregateModelHash: aggregate, metrics: { accuracy: 0.5, bad: Number.NaN }, refusals: [{ participant: zeroAddress as Address, reason: "X".repeat(500) }] }]]),
    });
    const wrong = await readDashboardData(reader, { details: source(served.rounds[1]!.aggregateModelHash) });
    expect([wrong.details.mismatchedRounds, wrong.rounds[0]!.metrics]).toEqual([[1], null]);
    const right = await readDashboardData(reader, { details: source(served.rounds[0]!.aggregateModelHash) });
    expect(right.rounds[0]!.metrics).toEqual({ accuracy: 0.5 });
    expect(right.rounds[0]!.refusals?.[0]?.reason).toHaveLength(65);
    const failing = await readDashboardData(reader, { details: { description: "broken", read: () => Promise.reject(new Error("disk gone")) } });
    expect(failing.details.error).toBe("the round details could not be read");
    expect(chainPart(failing)).toEqual(chainPart(served));
  });

  it("a bundle's edited statement is not shown, even with its digest updated in the bundle: the chain records another", async () => {
    const bundle = decodeAuditBundle(readFileSync(bundleFile));
    const [first, ...rest] = bundle.rounds;
    const text = Buffer.from(first!.statement!.payload, "base64").toString("utf8");
    const bytes = new TextEncoder().encode(text.replace('"reason":"NORM_EXCEEDED"', '"reason":"VALIDATION_FAILED"'));
    expect(new TextDecoder().decode(bytes)).not.toBe(text);
    const edited = { ...first!, statementDigest: roundStatementDigest(bytes), statement: { ...first!.statement!, payload: Buffer.from(bytes).toString("base64") } };
    const data = await readDashboardData(reader, { details: bundleRoundDetails({ ...bundle, rounds: [edited, ...rest] }) });
    expect(data.details.mismatchedRounds).toEqual([1]);
    expect(data.rounds.map((r) => r.refusals?.map((x) => x.reason) ?? null)).toEqual([null, ["NORM_EXCEEDED"]]);
  });

  it("when the chain cannot be read, data.json is a typed 502 and the page says why", async () => {
    const dead = createLedgerReader({ rpcUrl: "http://127.0.0.1:9", ledger: ledger.ledger, retryCount: 0 });
    const server = await startDashboardServer(createDashboardHandler({ load: () => readDashboardData(dead) }), { host: "127.0.0.1", port: 0 });
    try {
      const response = await fetch(new URL("data.json", server.url));
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ ok: false, error: { code: "CHAIN_ERROR" } });
      const { page } = await openDashboard(browser, server.url);
      const shown = await snapshot(page);
      expect(shown.state).toBe("error");
      expect(shown.status).toMatch(/^Could not load the dashboard's data: \[CHAIN_ERROR\] /);
      await page.close();
    } finally {
      await server.close();
    }
  });

  it("`fedledger dashboard` fails with a typed error for an unreachable RPC, an address without a ledger, or another ledger's bundle", async () => {
    const unreachable = await runCli(PARTICIPANT_CLI, ["dashboard", "--rpc-url", "http://127.0.0.1:9", "--ledger", ledger.ledger, "--port", "0"], {});
    expect(unreachable.code, unreachable.stderr).toBe(1);
    expect(unreachable.stderr).toMatch(/^error \[CHAIN_ERROR\]: Cannot reach the chain at http:\/\/127\.0\.0\.1:9 \(--rpc-url\)\n/);
    const noCode = await runCli(PARTICIPANT_CLI, ["dashboard", "--rpc-url", ledger.chain.rpcUrl, "--ledger", mallory.account.address, "--port", "0"], {});
    expect(noCode.code, noCode.stderr).toBe(1);
    expect(noCode.stderr.startsWith(`error [INVALID_CONFIG]: No contract at --ledger ${mallory.account.address} on chain 31337`), noCode.stderr).toBe(true);
    expect(`${unreachable.stdout}${noCode.stdout}`).toBe("");

    const bundle = decodeAuditBundle(readFileSync(bundleFile));
    const other = join(mkdtempSync(join(tmpdir(), "fedledger-dashboard-")), "other.bundle");
    writeFileSync(other, encodeAuditBundle({ ...bundle, ledger: alice.account.address }));
    await expect(dashboardCommand({ rpcUrl: ledger.chain.rpcUrl, host: "127.0.0.1", port: 0, bundle: other }, { reader })).rejects.toMatchObject({
      code: "INVALID_CONFIG",
      shortMessage: "The bundle was exported from another ledger",
    });
  });
});
