// One coordinator in a process of its own, for the fuzz target: a crash ends this process,
// which the parent sees, and its memory is measured apart from the fuzzer's. Run with
// --expose-gc; argv[2] is the parsed coordinator config as JSON; the operator's mnemonic
// is in FEDLEDGER_MNEMONIC. Messages on the IPC channel:
//   parent → child: { type: "memory" } | { type: "close" }
//   child → parent: { type: "listening", url } | { type: "recorded", round }
//                   | { type: "memory", rss, heapUsed, external, polluted } | { type: "engineStopped", error? }
import pino from "pino";
import { createPublicClient, createWalletClient, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { createCoordinator, parseCoordinatorConfig } from "@fedledger/coordinator";

const send = (message: Record<string, unknown>) => process.send?.(message);
const config = parseCoordinatorConfig(JSON.parse(process.argv[2] ?? "{}"));
const transport = http(config.chain.rpcUrl, { retryCount: 0 });
const coordinator = await createCoordinator({
  config,
  publicClient: createPublicClient({ chain: hardhat, transport }),
  walletClient: createWalletClient({ account: mnemonicToAccount(process.env.FEDLEDGER_MNEMONIC ?? ""), chain: hardhat, transport }),
  // Errors only, on stderr: the parent keeps them as findings.
  logger: pino({ level: "error" }, pino.destination(2)),
  ledgerRetry: { baseDelayMs: 100, maxDelayMs: 500 },
  events: { onRoundRecorded: (r) => send({ type: "recorded", round: r.round }) },
});
send({ type: "listening", url: await coordinator.listen() });
coordinator.run().then(
  () => send({ type: "engineStopped" }),
  (error: unknown) => send({ type: "engineStopped", error: String(error) }),
);

const gc = (globalThis as { gc?: () => void }).gc;
const baseline = Object.getOwnPropertyNames(Object.prototype).length;
process.on("message", (message: { type: string }) => {
  if (message.type === "memory") {
    gc?.();
    gc?.();
    const { rss, heapUsed, external } = process.memoryUsage();
    // A prototype key that reached Object.prototype would show here.
    const polluted = "fuzzPolluted" in Object.prototype || Object.getOwnPropertyNames(Object.prototype).length !== baseline;
    send({ type: "memory", rss, heapUsed, external, polluted });
  } else if (message.type === "close") {
    void coordinator.close().then(() => process.exit(0));
  }
});