// The smallest real job: deploy the ledger on the embedded EDR chain through the
// Ignition module, register three institutions, have each sign a real encoded update,
// record the round on-chain, and claim. Replaced as `npm start` by the full federated
// demo once the coordinator exists; kept as `npm run demo:ledger`.
import { network } from "hardhat";
import { keccak256, sha256, toHex, formatUnits, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import FedLedgerModule from "../contracts/ignition/modules/FedLedger.ts";
import { encodeWeights } from "../client-sdk/src/protocol/encoding/weightsCodec.ts";
import { contentHash } from "../client-sdk/src/protocol/hashing/contentHash.ts";
import { signUpdate, toCompactSignature } from "../client-sdk/src/protocol/signing.ts";

const layout = [
  { name: "dense_0/kernel", shape: [4, 3] },
  { name: "dense_0/bias", shape: [3] },
];
const genesis = await contentHash(encodeWeights([new Float32Array(12), new Float32Array(3)], layout));

const { viem, ignition } = await network.create();
const { ledger, token } = await ignition.deploy(FedLedgerModule, {
  parameters: { FedLedger: { genesisModelHash: genesis } },
  displayUi: false,
});
const publicClient = await viem.getPublicClient();
const chainId = await publicClient.getChainId();
console.log(`ledger ${ledger.address} on chain ${chainId}, genesis model ${genesis}`);
await token.write.approve([ledger.address, 10_000n * 10n ** 18n]);
await ledger.write.fund([10_000n * 10n ** 18n]);

const institutions = [1, 2, 3]
  .map((i) => privateKeyToAccount(keccak256(toHex(`fedledger demo institution ${i}`))))
  .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
const updates = [];
for (const [i, account] of institutions.entries()) {
  const commitment = keccak256(toHex(`dataset of institution ${i}`));
  const numSamples = BigInt(100 * (i + 1));
  await ledger.write.registerParticipant([account.address, commitment, Number(numSamples), zeroHash]); // the dataset's record count bounds numSamples
  const update = [Float32Array.from({ length: 12 }, () => Math.random() - 0.5), new Float32Array(3).fill(0.01 * i)];
  const updateHash = await contentHash(encodeWeights(update, layout));
  const message = { round: 1n, baseModelHash: genesis, updateHash, numSamples, datasetCommitment: commitment };
  const signature = await signUpdate(account, { chainId, ledger: ledger.address }, message);
  updates.push({ participant: account.address, updateHash, numSamples, score: numSamples, datasetCommitment: commitment, ...toCompactSignature(signature) });
}
const aggregate = keccak256(toHex("demo aggregate"));
// Stands in for the SHA-256 of the round's signed statement, which the coordinator writes.
const statementDigest = sha256(toHex("demo round 1 statement"));
const hash = await ledger.write.recordRound([1n, genesis, aggregate, statementDigest, updates]);
const receipt = await publicClient.waitForTransactionReceipt({ hash });
console.log(`round 1 recorded in ${hash} (${receipt.gasUsed} gas)`);
for (const account of institutions) {
  const claimable = await ledger.read.claimable([account.address]);
  console.log(`  ${account.address}: ${formatUnits(claimable, 18)} FLR claimable`);
}
