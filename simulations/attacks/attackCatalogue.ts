/** What an attack aims at: unearned rewards, the model, or more than one identity's share. */
export type AttackKind = "free-rider" | "byzantine" | "sybil";

/**
 * Every attack the simulation runs, by name. Attackers speak the real protocol (login,
 * signed updates) and hold real shards of the data unless a line says otherwise; they
 * declare their registered dataset size unless a line says otherwise.
 */
export const ATTACKS = {
  // Free riders: paid without contributing.
  zero: { kind: "free-rider", summary: "an all-zero update" },
  noise: { kind: "free-rider", summary: "small Gaussian noise (σ = NOISE_STD per coordinate), no training" },
  "replay-global": { kind: "free-rider", summary: "the previous round's global change W(r−1) − W(r−2) sent back (zero in round 1)" },
  "inflated-count": {
    kind: "free-rider",
    summary: "trains on TINY_RECORDS records, registered as such, declares INFLATED_COUNT samples; refused, it declares its registered size",
  },
  "max-count": {
    kind: "free-rider",
    summary: "registered with a full shard's commitment and size, trains on TINY_RECORDS of its records, declares the registered size",
  },
  // Byzantine: damage the model.
  "sign-flip": { kind: "byzantine", summary: "its trained update × −boost (see byzantineBoost: just under the norm-outlier bound)" },
  scaling: { kind: "byzantine", summary: "its trained update × boost" },
  gaussian: { kind: "byzantine", summary: "Gaussian noise with boost × its trained update's norm" },
  alie: {
    kind: "byzantine",
    summary: "A Little Is Enough (Baruch et al., NeurIPS 2019): mean − z_max·std per coordinate of the honest updates, which the colluders compute by training on the honest shards",
  },
  "label-flip": { kind: "byzantine", summary: "trains on its shard with every label y replaced by 9 − y" },
  // Sybils: one party (slot 0's shard), several registered identities, beside the 9 honest participants.
  "sybil-copy": { kind: "sybil", summary: "one party's trained update, the same bytes signed by each identity (each registered with its own commitment)" },
  "sybil-split": { kind: "sybil", summary: "one party's shard split across its identities, each training on its part" },
} as const satisfies Record<string, { kind: AttackKind; summary: string }>;

export type AttackName = keyof typeof ATTACKS;
export const ATTACK_NAMES = Object.keys(ATTACKS) as AttackName[];

export function isAttackName(value: string): value is AttackName {
  return Object.hasOwn(ATTACKS, value);
}

/** The attacks' parameters, named in their summaries. */
export const ATTACK_PARAMETERS = {
  NOISE_STD: 1e-3,
  TINY_RECORDS: 16,
  INFLATED_COUNT: 1_000_000,
  /** Byzantine boosts stay at this fraction of the coordinator's norm-outlier multiple. */
  BOUND_MARGIN: 0.8,
  /** The boost when the coordinator has no norm-outlier bound. */
  UNBOUNDED_BOOST: 10,
} as const;

/**
 * How far a Byzantine attacker scales its update: it knows the coordinator's public
 * `safety.outlierNormMultiple` and its own update's norm (close to the median honest
 * norm), so it stays just under the bound: BOUND_MARGIN × the multiple (8 with the
 * default 10), or UNBOUNDED_BOOST with the bound off.
 */
export function byzantineBoost(outlierNormMultiple: number | null): number {
  return outlierNormMultiple === null ? ATTACK_PARAMETERS.UNBOUNDED_BOOST : Math.max(1, ATTACK_PARAMETERS.BOUND_MARGIN * outlierNormMultiple);
}

/**
 * Identities an attack controls at `fraction` of `participants`: round(fraction × n); a
 * Sybil party needs at least two identities.
 */
export function attackerIdentities(attack: AttackName, fraction: number, participants: number): number {
  const count = Math.round(fraction * participants);
  return ATTACKS[attack].kind === "sybil" ? Math.max(2, count) : count;
}
