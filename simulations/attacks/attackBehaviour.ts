import type { Dataset, ModelSpec, TrainConfigInput, Weights } from "@fedledger/client-sdk";
import { trainLocal } from "@fedledger/client-sdk/training";
import { mulberry32 } from "../../client-sdk/src/data/seededRandom.ts";
import { sampleStandardNormal } from "../../client-sdk/src/data/sampleGamma.ts";
import { ATTACK_PARAMETERS, type AttackName, byzantineBoost } from "./attackCatalogue.ts";
import { alieUpdate, alieZ } from "./alie.ts";
import { flipLabels } from "./federationData.ts";

/** What an attacker knows when a fit instruction arrives. */
export type RoundView = {
  round: number;
  /** The round's global model, decoded from the fit instruction. */
  global: Weights;
  /** The global model of the last earlier round it was sent, if any. */
  previousGlobal: Weights | undefined;
  trainConfig: TrainConfigInput;
};

/** The update to sign, and the sample counts to declare, tried in order until one is acked. */
export type Crafted = { update: Float32Array[]; counts: readonly number[] };

export type Behaviour = (view: RoundView) => Promise<Crafted>;

/** What the identities of one attacking party share: one computation per round and key. */
export type AttackGroup = { memo<T>(key: string, compute: () => Promise<T>): Promise<T> };

export function createAttackGroup(): AttackGroup {
  const cache = new Map<string, Promise<unknown>>();
  return {
    memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
      let value = cache.get(key) as Promise<T> | undefined;
      if (!value) {
        value = compute();
        cache.set(key, value);
      }
      return value;
    },
  };
}

export type AttackerSetup = {
  attack: AttackName;
  spec: ModelSpec;
  /** What this identity trains on (for sybil-copy: the party's whole shard). */
  data: Dataset;
  /** Its registered dataset size: the most it may declare. */
  registeredSize: number;
  group: AttackGroup;
  /** ALIE's knowledge: the honest participants' shards. */
  honestShards: readonly Dataset[];
  colluders: number;
  participants: number;
  /** Seeds this identity's noise. */
  seed: number;
  /** The coordinator's public norm-outlier multiple (null: no bound), which Byzantine boosts stay under. */
  outlierNormMultiple: number | null;
};

const zerosLike = (weights: Weights): Float32Array[] => weights.map((layer) => new Float32Array(layer.length));
const scaled = (update: readonly Float32Array[], factor: number): Float32Array[] => update.map((layer) => layer.map((v) => v * factor));
const normOf = (update: readonly Float32Array[]): number => Math.sqrt(update.reduce((sum, layer) => sum + layer.reduce((s, v) => s + v * v, 0), 0));

function gaussianLike(weights: Weights, std: number, seed: number): Float32Array[] {
  const random = mulberry32(seed);
  return weights.map((layer) => Float32Array.from(layer, () => std * sampleStandardNormal(random)));
}

async function train(spec: ModelSpec, data: Dataset, view: RoundView): Promise<Float32Array[]> {
  return (await trainLocal({ spec, globalWeights: view.global, data, config: view.trainConfig })).update;
}

/** How one attacker identity answers a fit instruction (see ATTACKS for each). */
export function attackBehaviour(s: AttackerSetup): Behaviour {
  const p = ATTACK_PARAMETERS;
  const boost = byzantineBoost(s.outlierNormMultiple);
  const declared = [s.registeredSize];
  const own = (view: RoundView) => train(s.spec, s.data, view);
  switch (s.attack) {
    case "zero":
      return async (view) => ({ update: zerosLike(view.global), counts: declared });
    case "noise":
      return async (view) => ({ update: gaussianLike(view.global, p.NOISE_STD, s.seed * 1_000 + view.round), counts: declared });
    case "replay-global":
      return async ({ global, previousGlobal }) => ({
        update: previousGlobal ? global.map((layer, l) => layer.map((v, k) => v - ((previousGlobal[l] as Float32Array)[k] as number))) : zerosLike(global),
        counts: declared,
      });
    case "inflated-count":
      return async (view) => ({ update: await own(view), counts: [p.INFLATED_COUNT, s.registeredSize] });
    case "max-count":
    case "sybil-split":
      return async (view) => ({ update: await own(view), counts: declared });
    case "sign-flip":
      return async (view) => ({ update: scaled(await own(view), -boost), counts: declared });
    case "scaling":
      return async (view) => ({ update: scaled(await own(view), boost), counts: declared });
    case "gaussian":
      return async (view) => {
        const trained = await own(view);
        const parameters = trained.reduce((n, layer) => n + layer.length, 0);
        const std = (boost * normOf(trained)) / Math.sqrt(parameters);
        return { update: gaussianLike(view.global, std, s.seed * 1_000 + view.round), counts: declared };
      };
    case "alie": {
      const z = alieZ(s.participants, s.colluders);
      return async (view) => {
        const update = await s.group.memo(`alie ${view.round}`, async () => {
          const honest: Float32Array[][] = [];
          for (const shard of s.honestShards) honest.push(await train(s.spec, shard, view));
          return alieUpdate(honest, z);
        });
        return { update, counts: declared };
      };
    }
    case "label-flip": {
      const flipped = flipLabels(s.data);
      return async (view) => ({ update: await train(s.spec, flipped, view), counts: declared });
    }
    case "sybil-copy":
      return async (view) => ({ update: await s.group.memo(`copy ${view.round}`, () => own(view)), counts: declared });
  }
}
