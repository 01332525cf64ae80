import type { Hex } from "viem";
import {
  checkRoundStatement,
  coordinatorAuthority,
  isFedLedgerError,
  type LedgerReader,
  readStoredStatement,
  type RecordedRound,
  type RoundStatement,
} from "@fedledger/client-sdk";
import type { Evidence, RoundStatementStatus } from "./modelCard.ts";

export type LoadedRoundStatement = {
  readonly status: RoundStatementStatus;
  /** The statement, when it is verified: signed by a coordinator of the ledger, its digest the one the chain records, its content the chain's. */
  readonly statement: RoundStatement | undefined;
  readonly evidence: Evidence | null;
};

/**
 * The signed statement of `round` from the coordinator's store, checked as `fedledger audit`
 * checks it (checkRoundStatement, with the signer's coordinatorAuthority): only a statement
 * that passes is used as evidence.
 */
export async function readRoundStatement(p: { reader: LedgerReader; storeDir: string; chainId: number; round: RecordedRound }): Promise<LoadedRoundStatement> {
  const digest = p.round.statementDigest.toLowerCase() as Hex;
  let envelope;
  try {
    envelope = await readStoredStatement(p.storeDir, digest);
  } catch (error) {
    if (!isFedLedgerError(error)) throw error;
    return { status: { status: "invalid", digest, detail: `${error.code}: ${error.shortMessage}` }, statement: undefined, evidence: null };
  }
  const { check, verified } = await checkRoundStatement({
    round: p.round,
    chainId: p.chainId,
    ledger: p.reader.ledger,
    envelope,
    authority: (signer) => coordinatorAuthority(p.reader, p.round, signer),
  });
  if (check.status !== "ok" || verified === undefined) {
    const detail = check.status === "ok" ? "no verified statement" : `${check.code}: ${check.message}`;
    return { status: { status: envelope === undefined ? "missing" : "invalid", digest, detail }, statement: undefined, evidence: null };
  }
  return {
    status: { status: "verified", digest, signer: verified.signer },
    statement: verified.statement,
    evidence: { kind: "statement", round: Number(p.round.round), statementDigest: digest, signer: verified.signer, transactionHash: p.round.transactionHash, blockNumber: p.round.blockNumber.toString() },
  };
}
