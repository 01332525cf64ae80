import { type Address, getAddress, type Hex, isAddress } from "viem";

/** An update the coordinator left out of a round or refused, and why (an error code such as NORM_EXCEEDED). */
export type RoundRefusal = { readonly participant: Address; readonly reason: string };

/**
 * What the chain does not hold about a recorded round: the coordinator's evaluation of its
 * aggregate and the updates it left out.
 */
export type RoundDetails = {
  /** The aggregate these details describe; they are not shown for a round whose chain aggregate differs. Null when the source does not say. */
  readonly aggregateModelHash: Hex | null;
  /** The digest of the signed statement the details come from: they are not shown when the chain records another. Absent when not from a statement. */
  readonly statementDigest?: Hex;
  /** Evaluation of the aggregate (accuracy, loss, ...); null when none was kept. */
  readonly metrics: Readonly<Record<string, number>> | null;
  /** Null when the source does not know the round's refusals. */
  readonly refusals: readonly RoundRefusal[] | null;
};

/**
 * Where the dashboard takes round details from: the coordinator's state store, an audit
 * bundle, or (later) the rounds' signed statements. The source is not trusted: what it
 * gives is bounded and checked against the chain before it is shown.
 */
export interface RoundDetailsSource {
  /** Where the details come from, for the page (e.g. "coordinator state", "audit bundle"). */
  readonly description: string;
  /** The details of those of `rounds` the source knows; rounds it does not know are absent. */
  read(rounds: readonly number[]): Promise<ReadonlyMap<number, RoundDetails>>;
}

/** Most metrics, refusals per round and characters per name or reason kept from a source. */
export const ROUND_DETAILS_LIMITS = { metrics: 32, refusals: 1_024, name: 64 } as const;

function boundedName(text: string): string {
  return text.length <= ROUND_DETAILS_LIMITS.name ? text : `${text.slice(0, ROUND_DETAILS_LIMITS.name)}…`;
}

/** `details` cut to {@link ROUND_DETAILS_LIMITS}, with non-finite metrics and refusals of malformed addresses dropped. */
export function boundRoundDetails(details: RoundDetails): RoundDetails {
  const metrics =
    details.metrics === null
      ? null
      : Object.fromEntries(
          Object.entries(details.metrics)
            .filter((entry): entry is [string, number] => typeof entry[1] === "number" && Number.isFinite(entry[1]))
            .slice(0, ROUND_DETAILS_LIMITS.metrics)
            .map(([name, value]) => [boundedName(name), value]),
        );
  const refusals =
    details.refusals === null
      ? null
      : details.refusals
          .filter((r) => typeof r.participant === "string" && isAddress(r.participant, { strict: false }) && typeof r.reason === "string")
          .slice(0, ROUND_DETAILS_LIMITS.refusals)
          .map((r) => ({ participant: getAddress(r.participant), reason: boundedName(r.reason) }));
  return { aggregateModelHash: details.aggregateModelHash, ...(details.statementDigest === undefined ? {} : { statementDigest: details.statementDigest }), metrics, refusals };
}
