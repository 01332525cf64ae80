import type { Logger } from "pino";
import { contributionLedgerAbi, formatAmount, type LedgerReader, readRewardToken, type RewardTokenInfo } from "@fedledger/client-sdk";

/**
 * Logs what each recorded round credited, in token units with the token's decimals and
 * symbol (`10 FLR`), read from the ledger's round record. One line per round, in round
 * order; a failed read is logged and does not stop the coordinator.
 */
export function createCreditLog(reader: LedgerReader, logger: Logger) {
  let token: Promise<RewardTokenInfo | null> | undefined;
  let written: Promise<void> = Promise.resolve();
  return {
    log(round: number): void {
      written = written.then(async () => {
        try {
          token ??= readRewardToken(reader).catch(() => null);
          const record = await reader.client.readContract({ address: reader.ledger, abi: contributionLedgerAbi, functionName: "roundRecord", args: [BigInt(round)] });
          logger.info({ round, credited: formatAmount(record.budget, await token), participants: record.participantCount }, "round rewards credited");
        } catch (error) {
          logger.warn({ round, err: error instanceof Error ? error.message.split("\n", 1)[0] : String(error) }, "could not read the round's credited rewards");
        }
      });
    },
    /** Resolves once every line asked for is written. */
    flushed: (): Promise<void> => written,
  };
}
