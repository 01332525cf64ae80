import { z } from "zod";

/** What the report says of the purpose when the operator has not said it: the facts the ledger holds, and what is missing. */
export const DEFAULT_MODEL_PURPOSE =
  "A classifier trained by federated learning across the institutions registered on the ledger, coordinated by fedledger. " +
  "Its intended purpose has not been stated: set modelCard.purpose in the coordinator config " +
  "(the task, the intended users, the setting it is meant for).";

/**
 * The `modelCard` section: what the operator declares about the model for
 * `fedledger-operator report` (the EU AI Act's Annex IV technical documentation). Every
 * other part of the report comes from the chain and the coordinator's store.
 */
export const modelCardConfigSchema = z.strictObject({
  /** The model's name. */
  name: z.string().min(1).max(200).default("fedledger model"),
  /** Who provides the model (the consortium or institution answerable for it). */
  provider: z.string().min(1).max(500).optional(),
  /** The intended purpose (Annex IV 1(a)): the task, the intended users, the setting. */
  purpose: z.string().min(1).max(5_000).default(DEFAULT_MODEL_PURPOSE),
  /** Known limitations, uses it is not meant for, foreseeable misuse (Annex IV 3). */
  limitations: z.string().min(1).max(5_000).optional(),
  /** Whom to ask about the model. */
  contact: z.string().min(1).max(500).optional(),
});
export type ModelCardConfig = z.output<typeof modelCardConfigSchema>;
