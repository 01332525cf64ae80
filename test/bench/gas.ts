// Gas of recordRound with N = 1, 10, 100 participants (real signatures, every one
// verified on-chain), of registration (with and without a dataset attestation) and of
// claim, on the in-process EDR chain.
import { byParticipant, commitmentOf, deployLedger, participantAccount, statementOf, updateHashOf } from "../fixtures/ledger.ts";
import { contributionLedgerAbi } from "../../client-sdk/src/protocol/ledgerAbi.ts";
import { keccak256, sha256, toHex, type Hex, zeroHash } from "viem";
import { gasBreakdown } from "./lib/gasBreakdown.ts";

export async function run(): Promise<Record<string, unknown>> {
  const f = await deployLedger({ budget: 1_000n * 10n ** 18n, fund: 10n ** 27n });
  const accounts = Array.from({ length: 100 }, (_, i) => participantAccount(i + 1));
  await f.register(accounts);
  let round = 0;
  let head: Hex = await f.ledger.read.headModelHash();

  async function recordWith(n: number): Promise<bigint> {
    round += 1;
    const updates = await Promise.all(
      accounts.slice(0, n).map((a, i) =>
        f.signed(a, { round, base: head, updateHash: updateHashOf(round, i), numSamples: BigInt(100 + i), score: BigInt(100 + i) }),
      ),
    );
    const aggregate = keccak256(toHex(`aggregate ${round}`));
    const hash = await f.ledger.write.recordRound([BigInt(round), head, aggregate, statementOf(round), byParticipant(updates)], { gas: 15_000_000n });
    const receipt = await f.publicClient.waitForTransactionReceipt({ hash });
    head = aggregate;
    process.stderr.write(`round ${round}: ${n} participants, ${receipt.gasUsed} gas\n`);
    return receipt.gasUsed;
  }

  // Warm-up round so every measured participant already holds a credit (steady state).
  await recordWith(100);
  const g1 = await recordWith(1);
  const g2 = await recordWith(2);
  // Fixed gas: intercept of the line through N = 1 and N = 2.
  const fixed = 2n * g1 - g2;
  const perParticipant: Record<string, number> = {};
  for (const n of [1, 10, 100]) {
    const g = n === 1 ? g1 : await recordWith(n);
    perParticipant[String(n)] = Math.round(Number(g - fixed) / n);
  }

  // Claim: the participant's first claim, to its own address with no token balance yet
  // (the most expensive case: the recipient's balance slot goes from zero to non-zero).
  const claimer = accounts[0]!;
  const wallet = await f.walletOf(claimer);
  const claimHash = await wallet.writeContract({
    address: f.ledger.address,
    abi: contributionLedgerAbi,
    functionName: "claim",
    args: [claimer.address],
  });
  const claimGas = (await f.publicClient.waitForTransactionReceipt({ hash: claimHash })).gasUsed;
  const claimBreakdown = await gasBreakdown(f.publicClient, claimHash);
  await recordWith(1);
  const repeatHash = await wallet.writeContract({
    address: f.ledger.address,
    abi: contributionLedgerAbi,
    functionName: "claim",
    args: [claimer.address],
  });
  const repeatClaimGas = (await f.publicClient.waitForTransactionReceipt({ hash: repeatHash })).gasUsed;
  process.stderr.write(`claim: first ${claimGas} gas, repeat ${repeatClaimGas} gas (after ${round} rounds)\n`);

  // Registration of a new participant: without an attestation, and with one (one more slot).
  const registerGas = async (i: number, attestation: Hex) => {
    const a = participantAccount(i);
    const hash = await f.ledger.write.registerParticipant([a.address, commitmentOf(a.address), 1_000, attestation]);
    return (await f.publicClient.waitForTransactionReceipt({ hash })).gasUsed;
  };
  const registerPlain = await registerGas(1001, zeroHash);
  const registerAttested = await registerGas(1002, sha256(toHex("consent form")));
  process.stderr.write(`register: ${registerPlain} gas, ${registerAttested} with an attestation\n`);

  return {
    gasPerParticipant: perParticipant,
    gasPerRoundFixed: Number(fixed),
    claimGas: Number(claimGas),
    claimBreakdown,
    repeatClaimGas: Number(repeatClaimGas),
    registerGas: Number(registerPlain),
    registerWithAttestationGas: Number(registerAttested),
  };
}
