import pino, { type Logger } from "pino";
import { FedLedgerError } from "@fedledger/client-sdk";

export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * `--log-format`, else readable lines on a terminal and JSON lines anywhere else (a file,
 * a pipe, a log collector). Throws INVALID_CONFIG for another format.
 */
export function chooseLogFormat(flag: string | undefined, isTTY: boolean): LogFormat {
  if (flag === undefined) return isTTY ? "pretty" : "json";
  const format = LOG_FORMATS.find((f) => f === flag);
  if (format === undefined) {
    throw new FedLedgerError("INVALID_CONFIG", `Unknown log format ${JSON.stringify(flag.slice(0, 40))}`, { details: `expected ${LOG_FORMATS.join(" or ")}` });
  }
  return format;
}

/**
 * The coordinator's pino logger on `destination` (default stdout): JSON lines, or
 * pino-pretty's lines (written synchronously, no worker thread; colours on a colour terminal).
 */
export async function createLogger(p: { level: string; format: LogFormat; destination?: NodeJS.WritableStream }): Promise<Logger> {
  if (p.format === "json") return p.destination === undefined ? pino({ level: p.level }) : pino({ level: p.level }, p.destination);
  const { default: pretty } = await import("pino-pretty");
  return pino(
    { level: p.level },
    pretty({ sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", ...(p.destination === undefined ? {} : { destination: p.destination, colorize: false }) }),
  );
}
