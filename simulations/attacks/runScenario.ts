import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pino, { type Logger } from "pino";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import {
  contentHash,
  contributionLedgerAbi,
  createParticipant,
  type Dataset,
  encodeWeights,
  initialWeights,
  type Participant,
  type TrainConfigInput,
  type ValidationUtility,
  type Weights,
} from "@fedledger/client-sdk";
import { evaluateModel } from "@fedledger/client-sdk/training";
import {
  type Coordinator,
  type CoordinatorConfigInput,
  coordinatorConfigSchema,
  createCoordinator,
  DEFAULT_STRATEGY,
  parseCoordinatorConfig,
  strategyConfigSchema,
  strategyProblems,
} from "@fedledger/coordinator";
import { createDirectoryContentStore } from "../../coordinator/src/stores/contentStore.ts";
import { ATTACK_PARAMETERS, attackerIdentities, type AttackName } from "./attackCatalogue.ts";
import { attackBehaviour, createAttackGroup } from "./attackBehaviour.ts";
import { type AttackerPeer, startAttackerPeer } from "./attackerPeer.ts";
import { commitmentOf, dealDataset, type FederationData, firstRecords, withoutRecord } from "./federationData.ts";
import { type HonestSubmission, honestShapleyTotals } from "./honestShapley.ts";
import { deploySimulationLedger, type SimulationChain } from "./simulationChain.ts";
import { spearman } from "./spearman.ts";

/** What runs: an attack at a fraction of the participants, or the clean federation. */
export type Scenario = { attack: AttackName; fraction: number } | { attack: "clean" };

export type ScenarioOptions = {
  chain: SimulationChain;
  data: FederationData;
  /** The coordinator's validation utility (createValidationUtility over data.validation), built once. */
  utility: ValidationUtility;
  scenario: Scenario;
  strategy: CoordinatorConfigInput["strategy"];
  scorer: CoordinatorConfigInput["scorer"];
  /** Coordinator defaults unless given. */
  safety?: CoordinatorConfigInput["safety"];
  rounds: number;
  training: Omit<TrainConfigInput, "seed">;
  logger?: Logger;
  /** One line per recorded or aborted round. */
  log?: (line: string) => void;
  /** A run still going after this long is stopped and reported with the rounds it recorded. Default 20 s per round. */
  timeoutMs?: number;
  /** Compute honestRankCorrelation (2^h sub-model evaluations per round). Default true. */
  rankCorrelation?: boolean;
};

export type ScenarioResult = {
  /** The final global model's accuracy on the test split. */
  accuracy: number;
  /** The attackers' share of all rewards credited on-chain. */
  attackerShare: number;
  /** Spearman's ρ between honest participants' rewards and their exact Shapley values; null if undefined. */
  honestRankCorrelation: number | null;
  attackerIdentities: number;
  roundsRecorded: number;
  /** Round attempts aborted (nothing recorded; retried). */
  aborts: number;
  /** Refusal codes the attackers received. */
  refusals: string[];
  /** Codes the attackers' acknowledged updates were left out of rounds with, each once. */
  leftOut: string[];
  /** Codes honest participants' updates were left out with, one per left-out update. */
  honestLeftOut: string[];
  /** Per identity, attackers first, then honest participants by slot (the clean run's slot 0 is a Sybil party's single identity). */
  credited: { address: Address; role: "honest" | "attacker"; credited: bigint }[];
  seconds: number;
};

type Member =
  | { role: "honest"; account: PrivateKeyAccount; data: Dataset; commitment: Hex; size: number }
  | { role: "attacker"; account: PrivateKeyAccount; commitment: Hex; size: number; start: (url: string) => Promise<AttackerPeer> };

const accountOf = (label: string) => privateKeyToAccount(keccak256(toHex(`fedledger attack simulation ${label}`)));

function honest(label: string, data: Dataset): Member {
  return { role: "honest", account: accountOf(label), data, ...commitmentOf(data) };
}

/**
 * The federation of a scenario: attackers first, then honest participants. Attackers take
 * the first slots' shards; a Sybil party holds slot 0's shard under its identities, beside
 * the honest slots 1 to n − 1, so the clean run (slot 0 as one identity) is its reference.
 */
function members(o: ScenarioOptions): { members: Member[]; attackers: number } {
  const { shards, spec, layout } = o.data;
  const n = shards.length;
  const s = o.scenario;
  if (s.attack === "clean") return { members: shards.map((shard, slot) => honest(`honest ${slot}`, shard)), attackers: 0 };
  const m = attackerIdentities(s.attack, s.fraction, n);
  const sybil = s.attack === "sybil-copy" || s.attack === "sybil-split";
  const group = createAttackGroup();
  const firstHonest = sybil ? 1 : m;
  const honestShards = shards.slice(firstHonest);
  const partyShard = shards[0] as Dataset;
  const split = s.attack === "sybil-split" ? dealDataset(partyShard, m) : [];
  const attackers: Member[] = Array.from({ length: m }, (_, j) => {
    const shard = sybil ? partyShard : (shards[j] as Dataset);
    const tiny = firstRecords(shard, ATTACK_PARAMETERS.TINY_RECORDS);
    // What it trains on, and what it registered (the registrar trusts the size).
    const [data, registered] =
      s.attack === "inflated-count" ? [tiny, tiny]
      : s.attack === "max-count" ? [tiny, shard]
      : s.attack === "sybil-copy" ? [shard, withoutRecord(shard, j)]
      : s.attack === "sybil-split" ? [split[j] as Dataset, split[j] as Dataset]
      : [shard, shard];
    const { commitment, size } = commitmentOf(registered);
    const account = accountOf(`attacker ${j}`);
    const behaviour = attackBehaviour({
      attack: s.attack,
      spec,
      data,
      registeredSize: size,
      group,
      honestShards,
      colluders: m,
      participants: n,
      seed: j + 1,
      outlierNormMultiple: coordinatorConfigSchema.shape.safety.parse(o.safety).outlierNormMultiple,
    });
    return {
      role: "attacker",
      account,
      commitment,
      size,
      start: (url: string) =>
        startAttackerPeer({ url, account, commitment, layout, behaviour, onError: (e) => o.log?.(`attacker ${j}: ${e instanceof Error ? e.message : String(e)}`) }),
    };
  });
  return { members: [...attackers, ...honestShards.map((shard, i) => honest(`honest ${firstHonest + i}`, shard))], attackers: m };
}

/** `part` of `total` as a fraction, to 6 decimals. */
export function shareOf(part: bigint, total: bigint): number {
  return total > 0n ? Number((part * 1_000_000n) / total) / 1_000_000 : 0;
}

/** The left-out codes of the recorded rounds: the attackers' (distinct) and the honest participants' (each). */
function leftOutCodes(coordinator: Coordinator, rounds: readonly number[], attackers: ReadonlySet<Address>): { leftOut: string[]; honestLeftOut: string[] } {
  const excluded = rounds.flatMap((round) => coordinator.state.listExcluded(round));
  return {
    leftOut: [...new Set(excluded.filter((u) => attackers.has(u.participant)).map((u) => u.excluded ?? ""))],
    honestLeftOut: excluded.filter((u) => !attackers.has(u.participant)).map((u) => u.excluded ?? ""),
  };
}

/** The smallest quorum, from half the federation up, that the strategy's own rules accept. */
function minFitClients(strategy: CoordinatorConfigInput["strategy"], federation: number): number {
  const parsed = strategyConfigSchema.parse(strategy ?? DEFAULT_STRATEGY);
  for (let quorum = Math.ceil(federation / 2); quorum < federation; quorum++) {
    if (strategyProblems(parsed, { minFitClients: quorum }).length === 0) return quorum;
  }
  return federation;
}

/**
 * One run of the federation over the real pieces: a fresh ledger on the simulation's EDR
 * chain, the real coordinator (createCoordinator, socket.io on 127.0.0.1) with the given
 * strategy, scorer and safety settings, honest participants running the SDK's
 * createParticipant (real TensorFlow.js training) and attackers as raw protocol peers,
 * all in this process. Rewards are read from the ledger (participantInfo.credited).
 */
export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const { spec, layout } = o.data;
  const { members: federation, attackers } = members(o);
  const genesis = initialWeights(spec, 0);
  const ledger = await deploySimulationLedger(o.chain, {
    genesisModelHash: await contentHash(encodeWeights(genesis, layout)),
    registrations: federation.map((m) => ({ address: m.account.address, commitment: m.commitment, size: m.size })),
    funding: BigInt(o.rounds) * 1_000n * 10n ** 18n,
  });
  // Made by createCoordinator: a config refused here leaves nothing behind.
  const storageDir = join(tmpdir(), `fedledger-attack-sim-${randomUUID()}`);
  let aborts = 0;
  const config = parseCoordinatorConfig({
    chain: { rpcUrl: o.chain.rpcUrl, ledger },
    server: { port: 0 },
    rounds: {
      rounds: o.rounds,
      minFitClients: minFitClients(o.strategy, federation.length),
      minAvailableClients: federation.length,
      fitTimeoutMs: 120_000,
      availabilityTimeoutMs: 120_000,
      retryBackoffMs: 200,
    },
    model: { spec, seed: 0 },
    training: o.training,
    strategy: o.strategy,
    scorer: o.scorer,
    ...(o.safety ? { safety: o.safety } : {}),
    storage: { dir: storageDir },
  });
  const peers: AttackerPeer[] = [];
  const participants: Participant[] = [];
  let coordinator: Coordinator | undefined;
  try {
    coordinator = await createCoordinator({
      config,
      publicClient: o.chain.publicClient,
      walletClient: o.chain.operator,
      logger: o.logger ?? pino({ level: "silent" }),
      evaluationData: o.data.validation,
      events: {
        onRoundRecorded: (r) => o.log?.(`round ${r.round}: accuracy ${(r.metrics.accuracy ?? Number.NaN).toFixed(4)}, ${r.scores.size} updates recorded`),
        onRoundAborted: (round, attempt, reason) => {
          aborts += 1;
          o.log?.(`round ${round} attempt ${attempt} aborted: ${reason}`);
        },
      },
    });
    const url = await coordinator.listen();
    const submissions = new Map<string, HonestSubmission>();
    for (const m of federation) {
      if (m.role === "attacker") {
        peers.push(await m.start(url));
        continue;
      }
      const participant = createParticipant({
        coordinatorUrl: url,
        ...coordinator.domain,
        account: m.account,
        data: m.data,
        datasetCommitment: m.commitment,
        datasetSize: m.size,
      });
      const trained = new Map<number, number>();
      participant.events.on("round:trained", (t) => trained.set(t.round, t.numSamples));
      participant.events.on("round:submitted", (s) =>
        submissions.set(`${m.account.address} ${s.round}`, { participant: m.account.address, round: s.round, updateHash: s.updateHash, numSamples: trained.get(s.round) ?? 0 }),
      );
      participant.events.on("error", (e) => o.log?.(`honest ${m.account.address.slice(0, 10)}: [${e.code}] ${e.message}`));
      participants.push(participant);
    }
    await Promise.all(participants.map((p) => p.start()));
    const finished = await coordinator.run(AbortSignal.timeout(o.timeoutMs ?? o.rounds * 20_000));

    const globals = new Map<number, Weights>([[1, genesis]]);
    for (const r of finished) globals.set(r.round + 1, r.global);
    const final = finished.at(-1)?.global ?? genesis;
    const { accuracy } = await evaluateModel({ spec, weights: final, data: o.data.test });

    const credited = await Promise.all(
      federation.map(async (m) => {
        const info = await o.chain.publicClient.readContract({ address: ledger, abi: contributionLedgerAbi, functionName: "participantInfo", args: [m.account.address] });
        return { address: m.account.address, role: m.role, credited: info.credited };
      }),
    );
    const total = credited.reduce((sum, c) => sum + c.credited, 0n);
    const attackerCredited = credited.reduce((sum, c) => (c.role === "attacker" ? sum + c.credited : sum), 0n);

    const honestCredited = credited.filter((c) => c.role === "honest");
    const correlation = async () => {
      const store = createDirectoryContentStore(join(storageDir, "objects"));
      const recorded = new Set(finished.map((r) => r.round));
      const shapley = await honestShapleyTotals({
        layout,
        utility: o.utility,
        globals,
        submissions: [...submissions.values()].filter((s) => recorded.has(s.round)),
        fetch: (hash) => store.get(hash),
      });
      return spearman(
        honestCredited.map((c) => Number(c.credited / 10n ** 9n)),
        honestCredited.map((c) => shapley.get(c.address) ?? 0),
      );
    };
    return {
      accuracy,
      attackerShare: shareOf(attackerCredited, total),
      honestRankCorrelation: o.rankCorrelation === false ? null : await correlation(),
      attackerIdentities: attackers,
      roundsRecorded: finished.length,
      aborts,
      refusals: peers.flatMap((p) => p.refusals),
      ...leftOutCodes(coordinator, finished.map((r) => r.round), new Set(credited.filter((c) => c.role === "attacker").map((c) => c.address))),
      credited,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await Promise.all(participants.map((p) => p.stop()));
    for (const peer of peers) peer.close();
    await coordinator?.close();
    rmSync(storageDir, { recursive: true, force: true });
  }
}
