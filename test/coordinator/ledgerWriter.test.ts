import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, http, keccak256, sha256, toHex } from "viem";
import { hardhat } from "viem/chains";
import { contributionLedgerAbi, signUpdate, toCompactSignature, isFedLedgerError } from "@fedledger/client-sdk";
import { recordRound } from "../../coordinator/src/ledger/recordRound.ts";
import { openStateStore } from "../../coordinator/src/stores/stateStore.ts";
import { genesisHash, institution, startLedger } from "../fixtures/coordinatorHarness.ts";
import { startTcpProxy } from "../fixtures/tcpProxy.ts";

describe("ledger writer", () => {
  it("records a round once; asking again returns the same transaction instead of sending another", async () => {
    const alice = institution(1);
    const ledger = await startLedger({ institutions: [alice] });
    const publicClient = createPublicClient({ chain: hardhat, transport: http(ledger.chain.rpcUrl) });
    const walletClient = createWalletClient({ account: ledger.operator, chain: hardhat, transport: http(ledger.chain.rpcUrl) });
    const state = openStateStore(join(mkdtempSync(join(tmpdir(), "fedledger-writer-")), "state.sqlite"));
    const base = await genesisHash();
    const updateHash = keccak256(toHex("update"));
    const chainId = await publicClient.getChainId();
    const signature = await signUpdate(alice.account, { chainId, ledger: ledger.ledger }, { round: 1n, baseModelHash: base, updateHash, numSamples: 10n, datasetCommitment: alice.commitment });
    const params = {
      round: 1,
      baseModelHash: base,
      aggregateModelHash: keccak256(toHex("aggregate")),
      statementDigest: sha256(toHex("statement")),
      updates: [{ participant: alice.account.address, updateHash, numSamples: 10n, score: 10n, datasetCommitment: alice.commitment, ...toCompactSignature(signature) }],
    };
    const deps = { publicClient, walletClient, ledger: ledger.ledger, state };
    const first = await recordRound(deps, params);
    expect(first.alreadyRecorded).toBe(false);
    const again = await recordRound(deps, params);
    expect(again).toEqual({ txHash: first.txHash, gasUsed: first.gasUsed, alreadyRecorded: true });
    const events = await publicClient.getContractEvents({ address: ledger.ledger, abi: contributionLedgerAbi, eventName: "RoundRecorded", fromBlock: 0n });
    expect(events).toHaveLength(1);
    expect(state.getLedgerTx(1)).toMatchObject({ txHash: first.txHash, status: "confirmed" });

    // A contract refusal is permanent: CHAIN_ERROR naming the custom error, no retry loop.
    const error = await recordRound(deps, { ...params, round: 2, baseModelHash: keccak256(toHex("wrong base")) }).catch((e: unknown) => e);
    expect(isFedLedgerError(error, "CHAIN_ERROR")).toBe(true);
    expect((error as Error).message).toContain("LedgerBaseHashMismatch");
    state.close();
    await ledger.chain.close();
  });

  it("retries through an RPC outage and records once", async () => {
    const alice = institution(1);
    const ledger = await startLedger({ institutions: [alice] });
    const proxy = await startTcpProxy(Number(new URL(ledger.chain.rpcUrl).port));
    const transport = http(proxy.url, { retryCount: 0 });
    const publicClient = createPublicClient({ chain: hardhat, transport });
    const walletClient = createWalletClient({ account: ledger.operator, chain: hardhat, transport });
    const state = openStateStore(join(mkdtempSync(join(tmpdir(), "fedledger-writer-")), "state.sqlite"));
    const base = await genesisHash();
    const updateHash = keccak256(toHex("update"));
    const signature = await signUpdate(alice.account, { chainId: 31337, ledger: ledger.ledger }, { round: 1n, baseModelHash: base, updateHash, numSamples: 10n, datasetCommitment: alice.commitment });
    await proxy.stop();
    const retries: number[] = [];
    const recording = recordRound(
      { publicClient, walletClient, ledger: ledger.ledger, state, retry: { baseDelayMs: 100, maxDelayMs: 300 }, onRetry: (attempt) => retries.push(attempt) },
      {
        round: 1,
        baseModelHash: base,
        aggregateModelHash: keccak256(toHex("aggregate")),
        statementDigest: sha256(toHex("statement")),
        updates: [{ participant: alice.account.address, updateHash, numSamples: 10n, score: 10n, datasetCommitment: alice.commitment, ...toCompactSignature(signature) }],
      },
    );
    await new Promise((r) => setTimeout(r, 800));
    await proxy.start();
    const result = await recording;
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(result.alreadyRecorded).toBe(false);
    const events = await ledger.publicClient.getContractEvents({ address: ledger.ledger, abi: contributionLedgerAbi, eventName: "RoundRecorded", fromBlock: 0n });
    expect(events.map((e) => e.transactionHash)).toEqual([result.txHash]);
    state.close();
    await proxy.stop();
    await ledger.chain.close();
  });
});
