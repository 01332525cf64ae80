import type { Address, Hex } from "viem";
import type { FitInstruction } from "@fedledger/client-sdk";

/** The round currently collecting updates, as kept in memory by the engine. */
export type OpenRound = {
  readonly round: number;
  readonly attempt: number;
  readonly baseModelHash: Hex;
  readonly deadline: number;
  readonly selected: ReadonlySet<Address>;
  /** Participants whose update was acknowledged. */
  readonly acked: Set<Address>;
  closed: boolean;
  /** The round's fit instruction, re-sent to a selected client that (re)connects without an update. */
  instruction: FitInstruction | undefined;
  /** Resolves when every selected participant has an acknowledged update. */
  readonly allIn: Promise<void>;
  markAcked(participant: Address): void;
};

export function createOpenRound(p: {
  round: number;
  attempt: number;
  baseModelHash: Hex;
  deadline: number;
  selected: readonly Address[];
  acked?: readonly Address[];
}): OpenRound {
  let resolveAllIn = () => {};
  const allIn = new Promise<void>((resolve) => {
    resolveAllIn = resolve;
  });
  const selected = new Set(p.selected);
  const acked = new Set(p.acked ?? []);
  const check = () => {
    if ([...selected].every((a) => acked.has(a))) resolveAllIn();
  };
  check();
  return {
    round: p.round,
    attempt: p.attempt,
    baseModelHash: p.baseModelHash,
    deadline: p.deadline,
    selected,
    acked,
    closed: false,
    instruction: undefined,
    allIn,
    markAcked(participant) {
      acked.add(participant);
      check();
    },
  };
}
