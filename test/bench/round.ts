// Coordinator time per round with 50 synthetic clients and a ~1M-parameter model, the
// on-chain record included: a real coordinator (socket.io on 127.0.0.1, stores, FedAvg,
// recordRound with 50 signatures on EDR). Clients do no training: each answers the fit
// instruction at once with a pre-encoded update, signed for the round. Client signing
// runs in this process too; its time is measured and reported apart.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { createPublicClient, createWalletClient, erc20Abi, http, keccak256, type Hex, toHex } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { contentHash, contributionLedgerAbi, encodeWeights, initialWeights, layerLayout, parseModelSpec, signUpdate } from "@fedledger/client-sdk";
import { createCoordinator, parseCoordinatorConfig } from "@fedledger/coordinator";
import { deployWithIgnition } from "../../coordinator/src/ledger/deployWithIgnition.ts";
import { startEmbeddedChain } from "../../coordinator/src/ledger/embeddedChain.ts";
import { connectRawClient } from "../fixtures/rawClient.ts";
import type { BenchOptions } from "./run.ts";

const CLIENTS = 50;
const ROUNDS = 3;
const SPEC = { kind: "mlp", inputShape: [784], layers: [{ units: 1250, activation: "relu" }, { units: 15, activation: "softmax" }] };
const MNEMONIC = "test test test test test test test test test test test junk";

export async function run(options: BenchOptions = {}): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), "fedledger-round-"));
  const spec = parseModelSpec(SPEC);
  const layout = layerLayout(spec);
  const params = layout.reduce((n, l) => n + l.shape.reduce((a, b) => a * b, 1), 0);
  const chain = await startEmbeddedChain();
  const genesis = await contentHash(encodeWeights(initialWeights(spec, 0), layout));
  const { ledger, token } = await deployWithIgnition({ networkName: "localhost", rpcUrl: chain.rpcUrl, genesisModelHash: genesis });
  const operator = mnemonicToAccount(MNEMONIC);
  const publicClient = createPublicClient({ chain: hardhat, transport: http(chain.rpcUrl) });
  const wallet = createWalletClient({ account: operator, chain: hardhat, transport: http(chain.rpcUrl) });
  const clients = Array.from({ length: CLIENTS }, (_, i) => ({ account: privateKeyToAccount(keccak256(toHex(`round bench ${i}`))), commitment: keccak256(toHex(`data ${i}`)) }));
  process.stderr.write(`registering ${CLIENTS} participants, model of ${params} parameters\n`);
  for (const c of clients) {
    await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: ledger, abi: contributionLedgerAbi, functionName: "registerParticipant", args: [c.account.address, c.commitment, 100] }) });
  }
  await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: token, abi: erc20Abi, functionName: "approve", args: [ledger, 10n ** 24n] }) });
  await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: ledger, abi: contributionLedgerAbi, functionName: "fund", args: [10n ** 24n] }) });

  const config = parseCoordinatorConfig({
    chain: { rpcUrl: chain.rpcUrl, ledger },
    server: { port: 0 },
    rounds: { rounds: ROUNDS, minFitClients: CLIENTS, minAvailableClients: CLIENTS, fitTimeoutMs: 120_000, availabilityTimeoutMs: 60_000 },
    model: { spec: SPEC },
    training: { epochs: 1, batchSize: 32, learningRate: 0.1 },
    storage: { dir: join(dir, "coordinator") },
  });
  const recordedAt: number[] = [];
  const coordinator = await createCoordinator({
    config,
    publicClient,
    walletClient: wallet,
    logger: pino({ level: "silent" }),
    events: { onRoundRecorded: (r) => (recordedAt[r.round] = performance.now()) },
  });
  const url = await coordinator.listen();
  let clientSeconds = 0;
  const raws = [];
  for (const [i, c] of clients.entries()) {
    const raw = await connectRawClient(url, c.account);
    await raw.authenticate();
    const update = layout.map((l) => new Float32Array(l.shape.reduce((a, b) => a * b, 1)).fill(((i % 7) - 3) * 1e-4));
    const bytes = encodeWeights(update, layout);
    const updateHash = await contentHash(bytes);
    raw.socket.on("round:fit", (fit) => {
      void (async () => {
        const t = performance.now();
        const signature = await signUpdate(c.account, { chainId: raw.session.chainId, ledger: raw.session.ledger }, {
          round: BigInt(fit.round), baseModelHash: fit.baseModelHash, updateHash, numSamples: 100n, datasetCommitment: c.commitment,
        });
        clientSeconds += (performance.now() - t) / 1000;
        const ack = await raw.submit({ round: fit.round, baseModelHash: fit.baseModelHash as Hex, numSamples: 100, updateHash, update: bytes, signature });
        if (!ack.ok) process.stderr.write(`refused: ${ack.error.code}\n`);
      })();
    });
    raws.push(raw);
  }
  process.stderr.write(`${CLIENTS} clients connected; running ${ROUNDS} rounds\n`);
  const started = performance.now();
  await coordinator.run();
  const total = (performance.now() - started) / 1000;
  const perRound = recordedAt.slice(1).map((t, i) => (t - (i === 0 ? started : recordedAt[i]!)) / 1000);
  process.stderr.write(`per round: ${perRound.map((s) => s.toFixed(2)).join(", ")} s; client signing ${clientSeconds.toFixed(2)} s in all\n`);
  raws.forEach((r) => r.close());
  await coordinator.close();
  await chain.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    secondsPerRound: Number(((total - clientSeconds) / ROUNDS).toFixed(3)),
    wallSecondsPerRound: Number((total / ROUNDS).toFixed(3)),
    clients: CLIENTS,
    parameters: params,
  };
}
