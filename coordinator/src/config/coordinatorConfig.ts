import { z } from "zod";
import { FedLedgerError, messages, modelSpecSchema, trainConfigSchema, WEIGHT_DTYPES } from "@fedledger/client-sdk";

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
      maxAttemptsPerRound: z.int().positive().default(3),
    })
    .prefault({}),
  model: modelSchema,
  training: trainConfigSchema.omit({ seed: true }),
  strategy: z
    .strictObject({ name: z.literal("fedavg").default("fedavg"), maxUpdateNorm: z.number().positive().optional() })
    .prefault({}),
  scorer: z.strictObject({ name: z.literal("samples").default("samples") }).prefault({}),
  storage: z.strictObject({ dir: z.string().default(".fedledger/coordinator") }).prefault({}),
  evaluation: z
    .strictObject({ dataset: z.literal("mnist"), testFraction: z.number().gt(0).lt(1).default(0.15), seed: z.int().min(0).default(7) })
    .optional(),
}).superRefine((config, ctx) => {
  // Cross-field rules, reported together with every schema problem.
  const rounds = config.rounds as { minFitClients?: number; minAvailableClients?: number } | undefined;
  if (rounds?.minFitClients !== undefined && rounds.minAvailableClients !== undefined && rounds.minFitClients > rounds.minAvailableClients) {
    ctx.addIssue({ code: "custom", path: ["rounds", "minFitClients"], message: "cannot exceed rounds.minAvailableClients" });
  }
});

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

/** Validates an untrusted config; throws INVALID_CONFIG listing every problem, one per line. */
export function parseCoordinatorConfig(input: unknown): CoordinatorConfig {
  const result = coordinatorConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new FedLedgerError("INVALID_CONFIG", `The coordinator config has ${problems.length} problem(s)`, {
      details: problems.join("\n"),
    });
  }
  return result.data;
}
