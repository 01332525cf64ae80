import type { Address } from "viem";
import { FedLedgerError } from "../errors/FedLedgerError.ts";
import { coordinatorOrigin } from "../protocol/login.ts";
import type { Challenge } from "../protocol/messages.ts";

export type ChallengeExpectation = { chainId: number; ledger: Address; coordinatorUrl: string };

/**
 * Throws CHALLENGE_MISMATCH unless `challenge` names the participant's own chain, ledger
 * and the coordinator origin it dialled. A phishing relay that forwards a real
 * coordinator's challenge fails here; one that rewrites it fails at the real coordinator.
 */
export function checkChallenge(challenge: Challenge, expected: ChallengeExpectation): void {
  const problems: string[] = [];
  if (challenge.chainId !== expected.chainId) problems.push(`chain id: expected ${expected.chainId}, got ${challenge.chainId}`);
  if (challenge.ledger.toLowerCase() !== expected.ledger.toLowerCase()) problems.push(`ledger: expected ${expected.ledger}, got ${challenge.ledger}`);
  const dialled = coordinatorOrigin(expected.coordinatorUrl);
  let named: string;
  try {
    named = coordinatorOrigin(challenge.coordinator);
  } catch {
    named = JSON.stringify(challenge.coordinator.slice(0, 100));
  }
  if (named !== dialled) problems.push(`coordinator: dialled ${dialled}, got ${named}`);
  if (problems.length > 0) {
    throw new FedLedgerError("CHALLENGE_MISMATCH", "The login challenge is not for this participant's chain, ledger and coordinator", {
      details: problems.join("; "),
    });
  }
}
