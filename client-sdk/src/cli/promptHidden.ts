import { FedLedgerError } from "../errors/FedLedgerError.ts";

/** The terminal a prompt reads from and writes to. */
export type Terminal = { input: NodeJS.ReadStream; output: NodeJS.WriteStream };

/**
 * Asks `question` on a terminal and reads one line without echoing it (raw mode: Node's
 * readline has no hidden input). Backspace edits; Ctrl-C or Ctrl-D cancels with KEY_ERROR.
 */
export function promptHidden(question: string, terminal: Terminal): Promise<string> {
  const { input, output } = terminal;
  // Echo off before the question shows: an answer typed (or pasted) at once is not echoed.
  input.setRawMode(true);
  output.write(question);
  input.setEncoding("utf8");
  input.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (settle: () => void) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      output.write("\n");
      settle();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") return finish(() => resolve(value));
        if (char === "\u0003" || char === "\u0004") return finish(() => reject(new FedLedgerError("KEY_ERROR", "No passphrase given")));
        value = char === "\u007f" || char === "\b" ? value.slice(0, -1) : value + char;
      }
    };
    input.on("data", onData);
  });
}
