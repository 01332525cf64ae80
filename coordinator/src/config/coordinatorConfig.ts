import { z } from "zod";
import { FedLedgerError, messages, modelSpecSchema, trainConfigSchema, WEIGHT_DTYPES } from "@fedledger/client-sdk";
import { scorerConfigSchema } from "../scorers/registry.ts";
import { evaluationConfigSchema } from "./evaluationData.ts";
import { modelCardConfigSchema } from "./modelCardConfig.ts";
import { DEFAULT_STRATEGY, strategyConfigSchema, strategyProblems } from "../strategies/registry.ts";

/**
 * The coordinator's config file, validated in two phases (as Hardhat does): the schema
 * reports every problem at once; `resolveConfig` then fills defaults into a type where
 * every field is present. Secrets (the coordinator's key) are never in this file.
 */
const modelSchema = z.strictObject({
  spec: modelSpecSchema,
  /** Seed of the genesis weights; the genesis hash on the ledger must match. */
  seed: z.int().min(0).default(0),
  dtype: z.enum(WEIGHT_DTYPES).default("f32"),
});

/** The `model` section alone: what `deploy` needs to compute the genesis hash (no ledger exists yet). */
export const modelConfigSchema = z.object({ model: modelSchema });

/** The file's schema; parseCoordinatorConfig adds the rules across sections (crossFieldProblems). */
export const coordinatorConfigSchema = z.strictObject({
  chain: z.strictObject({
    rpcUrl: z.url(),
    ledger: messages.addressSchema,
  }),
  server: z
    .strictObject({
      host: z.string().default("127.0.0.1"),
      port: z.int().min(0).max(65_535).default(8080),
      tls: z.strictObject({ certFile: z.string(), keyFile: z.string() }).optional(),
      ackTimeoutMs: z.int().positive().default(30_000),
      challengeTtlMs: z.int().positive().default(60_000),
      /** The URL participants dial, bound into every login. Default: the URL listened on. Set it behind a proxy or when host is 0.0.0.0. */
      publicUrl: z.url({ protocol: /^(http|https|ws|wss)$/ }).optional(),
      /** A connection that has not logged in by then is closed. */
      loginTimeoutMs: z.int().positive().default(10_000),
      /** Connections open at once, in total. */
      maxConnections: z.int().positive().default(1_024),
      /** Connections open at once per remote IP (behind a relay or TLS proxy, all share the proxy's IP). */
      maxConnectionsPerAddress: z.int().positive().default(64),
      /** Connections open at once that have not logged in yet. */
      maxPendingLogins: z.int().positive().default(256),
      /** Per-socket token bucket over every client event (challenge, authenticate, submit, model fetch): refill per minute, and size. */
      submissionsPerMinute: z.int().positive().default(120),
      submissionBurst: z.int().positive().default(40),
      /** How often the ledger is polled for deactivated participants, whose sessions are then closed. */
      registryPollIntervalMs: z.int().positive().default(2_000),
      /**
       * After the last round, how long `start` keeps serving `model:fetch` so participants
       * can keep the final model; it stops earlier once every logged-in participant has it.
       */
      finalModelGraceMs: z.int().nonnegative().default(5_000),
    })
    .prefault({}),
  rounds: z
    .strictObject({
      rounds: z.int().positive().default(10),
      fractionFit: z.number().gt(0).max(1).default(1),
      minFitClients: z.int().positive().default(2),
      minAvailableClients: z.int().positive().default(2),
      fitTimeoutMs: z.int().positive().default(120_000),
      availabilityTimeoutMs: z.int().positive().default(120_000),
      /** Aborted attempts of a round after which each further abort is logged as an error (the engine never gives up). */
      maxAttemptsPerRound: z.int().positive().default(3),
      /** Wait after an aborted attempt, doubling per consecutive abort up to 60 s. */
      retryBackoffMs: z.int().positive().default(1_000),
    })
    .prefault({}),
  model: modelSchema,
  training: trainConfigSchema.omit({ seed: true }),
  /** The aggregation rule, by name with its parameters (strategies/registry.ts). */
  strategy: strategyConfigSchema.prefault(DEFAULT_STRATEGY),
  /** The safety net, on by default: what no strategy may turn off. */
  safety: z
    .strictObject({
      /** Absolute bound on an update's L2 norm, checked before the ack (NORM_EXCEEDED). None by default. */
      maxUpdateNorm: z.number().positive().optional(),
      /** An update whose L2 norm exceeds this multiple of the round's median norm is left out before aggregation; null turns it off. */
      outlierNormMultiple: z.number().gt(1).nullable().default(10),
      /** A candidate model whose evaluation loss exceeds the previous model's by more than this fraction is not recorded; null turns it off. */
      maxLossIncrease: z.number().positive().nullable().default(1),
      /** Updates of a round whose cosine similarity is at least this are copies, all left out (COPIED_UPDATE); null turns it off. */
      copyCosine: z.number().gt(0).max(1).nullable().default(0.99999),
      /** An update whose cosine similarity with the last global change is at least this is a replay, left out (REPLAYED_UPDATE); null turns it off. */
      replayCosine: z.number().gt(0).max(1).nullable().default(0.99999),
      /** Each update alone must improve the validation loss (NO_VALIDATED_GAIN); on by default when the coordinator has evaluation data, which it needs. */
      validationGate: z.boolean().optional(),
    })
    .prefault({}),
  /** How contributions are scored; default `shapley` with evaluation data, else `samples` (see defaultScorerConfig). */
  scorer: scorerConfigSchema.optional(),
  storage: z.strictObject({ dir: z.string().default(".fedledger/coordinator") }).prefault({}),
  /** Server-side evaluation data: any dataset spec the participant CLI takes (evaluationData.ts). */
  evaluation: evaluationConfigSchema.optional(),
  /** What `fedledger-operator report` says the model is for (modelCardConfig.ts); a default text says it is not stated. */
  modelCard: modelCardConfigSchema.prefault({}),
});

type Problem = { path: readonly PropertyKey[]; message: string };
const problemLine = (problem: Problem) => `${problem.path.map(String).join(".") || "(root)"}: ${problem.message}`;

/**
 * Rules across sections. Each reads only the fields it needs, parsed on their own, so they
 * are reported together with every schema problem: a refinement of the whole schema runs
 * only when no field is missing or of the wrong type.
 */
function crossFieldProblems(input: unknown): Problem[] {
  const raw: Record<string, unknown> = typeof input === "object" && input !== null ? { ...input } : {};
  const roundsShape = coordinatorConfigSchema.shape.rounds.unwrap().shape;
  const rounds = z.object({ minFitClients: roundsShape.minFitClients, minAvailableClients: roundsShape.minAvailableClients }).safeParse(raw.rounds ?? {});
  if (!rounds.success) return [];
  const { minFitClients, minAvailableClients } = rounds.data;
  const problems: Problem[] = [];
  if (minFitClients > minAvailableClients) problems.push({ path: ["rounds", "minFitClients"], message: "cannot exceed rounds.minAvailableClients" });
  const strategy = strategyConfigSchema.safeParse(raw.strategy ?? DEFAULT_STRATEGY);
  for (const problem of strategy.success ? strategyProblems(strategy.data, { minFitClients }) : []) {
    const at = problem.indexOf(": ");
    problems.push({ path: ["strategy", ...problem.slice(0, at).split(".")], message: problem.slice(at + 2) });
  }
  return problems;
}

export type CoordinatorConfigInput = z.input<typeof coordinatorConfigSchema>;

/** Parses only the `model` section (for `deploy`); throws INVALID_CONFIG listing every problem. */
export function parseModelConfig(input: unknown): z.output<typeof modelSchema> {
  const result = modelConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new FedLedgerError("INVALID_CONFIG", `The model config has ${problems.length} problem(s)`, { details: problems.join("\n") });
  }
  return result.data.model;
}
export type CoordinatorConfig = z.output<typeof coordinatorConfigSchema>;

/** Validates an untrusted config; throws INVALID_CONFIG listing every problem, cross-field ones included, one per line. */
export function parseCoordinatorConfig(input: unknown): CoordinatorConfig {
  const result = coordinatorConfigSchema.safeParse(input);
  const issues = [...(result.success ? [] : result.error.issues), ...crossFieldProblems(input)];
  if (!result.success || issues.length > 0) {
    const problems = issues.map(problemLine);
    throw new FedLedgerError("INVALID_CONFIG", `The coordinator config has ${problems.length} problem(s)`, {
      details: problems.join("\n"),
    });
  }
  return result.data;
}
