import { randomBytes } from "node:crypto";
import { type Address, type Hex, isAddressEqual, toHex } from "viem";
import { type Challenge, coordinatorOrigin, FedLedgerError, type LedgerDomainParameters, recoverLoginSigner } from "@fedledger/client-sdk";

export type LoginChallengesParameters = {
  domain: LedgerDomainParameters;
  /** The URL participants dial (config `server.publicUrl`, else the URL listened on); undefined before listening. */
  coordinatorUrl: () => string | undefined;
  ttlMs: number;
  now: () => number;
};

/**
 * Issues and checks login challenges. A challenge names the ledger's domain, the
 * coordinator's own origin (never taken from a request: a relay controls its Host
 * header), a random nonce and an expiry; the caller keeps it on the socket and hands it
 * back once (single use).
 */
export function createLoginChallenges(p: LoginChallengesParameters) {
  return {
    issue(): Challenge {
      const url = p.coordinatorUrl();
      if (url === undefined) throw new FedLedgerError("INTERNAL", "The coordinator is not listening yet");
      return {
        chainId: p.domain.chainId,
        ledger: p.domain.ledger,
        coordinator: coordinatorOrigin(url),
        nonce: toHex(randomBytes(32)),
        expiresAt: p.now() + p.ttlMs,
      };
    },

    /**
     * Throws UNAUTHENTICATED without an unexpired challenge, INVALID_SIGNATURE unless
     * `signature` is `participant`'s EIP-712 Login over it with `clientId`.
     */
    async verify(attempt: { challenge: Challenge | undefined; participant: Address; clientId: Hex; signature: Hex }): Promise<void> {
      const { challenge } = attempt;
      if (!challenge || challenge.expiresAt <= p.now()) {
        throw new FedLedgerError("UNAUTHENTICATED", "No valid login challenge: request a fresh one");
      }
      const signer = await recoverLoginSigner(
        { chainId: challenge.chainId, ledger: challenge.ledger },
        {
          participant: attempt.participant,
          coordinator: challenge.coordinator,
          nonce: challenge.nonce,
          expiresAt: BigInt(challenge.expiresAt),
          clientId: attempt.clientId,
        },
        attempt.signature,
      );
      if (!isAddressEqual(signer, attempt.participant)) {
        throw new FedLedgerError("INVALID_SIGNATURE", "The login is not signed by the handshake address for this challenge");
      }
    },
  };
}

export type LoginChallenges = ReturnType<typeof createLoginChallenges>;
