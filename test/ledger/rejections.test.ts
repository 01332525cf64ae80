import { beforeEach, describe, it } from "vitest";
import { keccak256, toHex, zeroHash } from "viem";
import { contributionLedgerAbi } from "../../client-sdk/src/protocol/ledgerAbi.ts";
import { byParticipant, commitmentOf, DATASET_SIZE, deployLedger, GENESIS, participantAccount, statementOf, updateHashOf } from "../fixtures/ledger.ts";

const AGG1 = keccak256(toHex("aggregate 1"));
const AGG2 = keccak256(toHex("aggregate 2"));

type Fixture = Awaited<ReturnType<typeof deployLedger>>;

describe("ContributionLedger refuses what it must (custom errors and arguments)", () => {
  const alice = participantAccount(1);
  const bob = participantAccount(2);
  const mallory = participantAccount(99); // never registered
  let f: Fixture;

  beforeEach(async () => {
    f = await deployLedger();
    await f.register([alice, bob]);
  });

  const good = (account = alice, round = 1, base = GENESIS) =>
    f.signed(account, { round, base, updateHash: updateHashOf(round, 0), numSamples: 10n, score: 10n });

  it("a signature from a non-participant", async () => {
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [await good(mallory)]]), f.ledger, "LedgerSignerNotActive", [0n, mallory.address]);
  });

  it("a signature from a deactivated participant", async () => {
    await f.ledger.write.deactivateParticipant([alice.address]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [await good()]]), f.ledger, "LedgerSignerNotActive", [0n, alice.address]);
  });

  it("a signature replayed in another round", async () => {
    await f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [await good()]]);
    const round1 = await good(); // signed for round 1
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([2n, AGG1, AGG2, statementOf(2n), [round1]]), f.ledger, "LedgerInvalidSignature", [0n, alice.address]);
  });

  it("a signature replayed on another ledger deployment", async () => {
    // A second ledger on the same chain: same chain id, different verifying contract.
    const other = await f.viem.deployContract("ContributionLedger", [f.token.address, GENESIS, 1n, f.admin.account.address]);
    const forOther = await f.signed(
      alice,
      { round: 1, updateHash: updateHashOf(1, 0), numSamples: 10n, score: 10n },
      { chainId: f.chainId, ledger: other.address },
    );
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [forOther]]), f.ledger, "LedgerInvalidSignature", [0n, alice.address]);
  });

  it("a signature replayed on another chain id", async () => {
    const onMainnet = await f.signed(
      alice,
      { round: 1, updateHash: updateHashOf(1, 0), numSamples: 10n, score: 10n },
      { chainId: 1, ledger: f.ledger.address },
    );
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [onMainnet]]), f.ledger, "LedgerInvalidSignature", [0n, alice.address]);
  });

  it("an altered update hash", async () => {
    const u = { ...(await good()), updateHash: updateHashOf(1, 7) };
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u]]), f.ledger, "LedgerInvalidSignature", [0n, alice.address]);
  });

  it("an altered sample count", async () => {
    const u = { ...(await good()), numSamples: 11n };
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u]]), f.ledger, "LedgerInvalidSignature", [0n, alice.address]);
  });

  it("an altered base hash (signed for another base than the round's)", async () => {
    await f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [await good()]]);
    const stale = await good(alice, 2, GENESIS); // signed over the wrong base
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([2n, AGG1, AGG2, statementOf(2n), [stale]]), f.ledger, "LedgerInvalidSignature", [0n, alice.address]);
  });

  it("an altered dataset commitment", async () => {
    const other = keccak256(toHex("other data"));
    const u = await f.signed(alice, { round: 1, updateHash: updateHashOf(1, 0), numSamples: 10n, score: 10n, commitment: other });
    // As signed: the commitment is not the registered one.
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u]]), f.ledger, "LedgerCommitmentMismatch", [0n, alice.address]);
    // With the registered commitment swapped in: the signature no longer matches.
    const swapped = { ...u, datasetCommitment: (await f.ledger.read.participantInfo([alice.address])).datasetCommitment };
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [swapped]]), f.ledger, "LedgerInvalidSignature", [0n, alice.address]);
  });

  it("a signature over a commitment the participant has since replaced", async () => {
    const u = await good();
    const wallet = await f.walletOf(alice);
    const hash = await wallet.writeContract({ address: f.ledger.address, abi: contributionLedgerAbi, functionName: "updateDatasetCommitment", args: [keccak256(toHex("new data")), DATASET_SIZE, zeroHash] });
    await f.publicClient.waitForTransactionReceipt({ hash });
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u]]), f.ledger, "LedgerCommitmentMismatch", [0n, alice.address]);
  });

  it("a sample count above the participant's registered dataset size (its index, address, count and size)", async () => {
    const carol = participantAccount(3);
    await f.register([carol], { datasetSize: 300 });
    const inflated = await f.signed(carol, { round: 1, updateHash: updateHashOf(1, 3), numSamples: 10n ** 12n, score: 10n ** 12n });
    const updates = byParticipant([await good(alice), inflated]);
    const index = BigInt(updates.indexOf(inflated));
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), updates]), f.ledger, "LedgerSampleCountExceedsDataset", [
      index,
      carol.address,
      10n ** 12n,
      300n,
    ]);
    // One more than the size is refused as well; exactly the size is recorded.
    const justAbove = await f.signed(carol, { round: 1, updateHash: updateHashOf(1, 3), numSamples: 301n, score: 301n });
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [justAbove]]), f.ledger, "LedgerSampleCountExceedsDataset", [0n, carol.address, 301n, 300n]);
    await f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [await f.signed(carol, { round: 1, updateHash: updateHashOf(1, 3), numSamples: 300n, score: 300n })]]);
  });

  it("a sample count above a dataset size the participant has since lowered", async () => {
    const u = await good(); // 10 samples over alice's registered commitment
    const wallet = await f.walletOf(alice);
    const hash = await wallet.writeContract({ address: f.ledger.address, abi: contributionLedgerAbi, functionName: "updateDatasetCommitment", args: [commitmentOf(alice.address), 9, zeroHash] });
    await f.publicClient.waitForTransactionReceipt({ hash });
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u]]), f.ledger, "LedgerSampleCountExceedsDataset", [0n, alice.address, 10n, 9n]);
  });

  it("a dataset of zero records, at registration and at update", async () => {
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.registerParticipant([mallory.address, GENESIS, 0, zeroHash]), f.ledger, "LedgerZeroDatasetSize", []);
    const wallet = await f.walletOf(alice);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      wallet.writeContract({ address: f.ledger.address, abi: contributionLedgerAbi, functionName: "updateDatasetCommitment", args: [GENESIS, 0, zeroHash] }),
      f.ledger,
      "LedgerZeroDatasetSize",
      [],
    );
  });

  it("updates out of participant order", async () => {
    const [first, second] = byParticipant([await good(alice), await good(bob)]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [second!, first!]]), f.ledger, "LedgerUpdatesNotSorted", [1n]);
  });

  it("a duplicated participant in one round", async () => {
    const u = await good();
    const again = await f.signed(alice, { round: 1, updateHash: updateHashOf(1, 1), numSamples: 3n, score: 3n });
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u, again]]), f.ledger, "LedgerDuplicateParticipant", [1n, alice.address]);
  });

  it("a wrong base hash", async () => {
    const wrong = keccak256(toHex("not the head"));
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, wrong, AGG1, statementOf(1n), [await good(alice, 1, wrong)]]), f.ledger, "LedgerBaseHashMismatch", [GENESIS, wrong]);
  });

  it("a round recorded twice", async () => {
    const u = await good();
    await f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u]]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u]]), f.ledger, "LedgerRoundAlreadyRecorded", [1n]);
  });

  it("a round out of order", async () => {
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.ledger.write.recordRound([3n, GENESIS, AGG1, statementOf(3n), [await good(alice, 3)]]), f.ledger, "LedgerRoundOutOfOrder", [1n, 3n]);
  });

  it("a round whose budget is not funded", async () => {
    const budget = 1_000n;
    const g = await deployLedger({ budget, fund: 999n });
    await g.register([alice]);
    const u = await g.signed(alice, { round: 1, updateHash: updateHashOf(1, 0), numSamples: 1n, score: 1n });
    await g.viem.assertions.revertWithCustomErrorWithArgs(g.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u]]), g.ledger, "LedgerBudgetNotFunded", [budget, 999n]);
  });

  it("a caller without the coordinator role", async () => {
    const outsider = f.others[3]!;
    const role = await f.ledger.read.COORDINATOR_ROLE();
    const u = await good();
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      outsider.writeContract({ address: f.ledger.address, abi: contributionLedgerAbi, functionName: "recordRound", args: [1n, GENESIS, AGG1, statementOf(1n), [u]] }),
      f.ledger,
      "AccessControlUnauthorizedAccount",
      [outsider.account.address, role],
    );
  });

  it("any call while paused", async () => {
    const u = await good();
    await f.ledger.write.pause();
    const wallet = await f.walletOf(alice);
    const calls: [string, Promise<unknown>][] = [
      ["recordRound", f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u]])],
      ["registerParticipant", f.ledger.write.registerParticipant([mallory.address, GENESIS, 1, zeroHash])],
      ["deactivateParticipant", f.ledger.write.deactivateParticipant([alice.address])],
      ["reactivateParticipant", f.ledger.write.reactivateParticipant([alice.address])],
      ["setRoundBudget", f.ledger.write.setRoundBudget([1n])],
      ["fund", f.ledger.write.fund([1n])],
      ["claim", wallet.writeContract({ address: f.ledger.address, abi: contributionLedgerAbi, functionName: "claim", args: [alice.address] })],
      ["updateDatasetCommitment", wallet.writeContract({ address: f.ledger.address, abi: contributionLedgerAbi, functionName: "updateDatasetCommitment", args: [GENESIS, 1, zeroHash] })],
    ];
    for (const [, call] of calls) await f.viem.assertions.revertWithCustomErrorWithArgs(call, f.ledger, "EnforcedPause", []);
    await f.ledger.write.unpause();
    await f.ledger.write.recordRound([1n, GENESIS, AGG1, statementOf(1n), [u]]);
  });
});
